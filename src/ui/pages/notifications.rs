use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::i18n::td_string;
use crate::language::current;
use crate::server_fns::notifications::get_notifications;
use crate::ui::components::errors::ErrorNotice;

#[component]
pub fn NotificationsPage() -> impl IntoView {
    let list = Resource::new(|| (), |_| get_notifications());
    let l = current();
    view! {
        <Title text=td_string!(l, notifications.title)/>
        <h1>{td_string!(l, notifications.title)}</h1>
        <Suspense fallback=move || view! { <p class="loading">{td_string!(l, common.loading)}</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(items) if items.is_empty() => Either::Left(Either::Left(view! { <p class="empty">{td_string!(l, notifications.empty)}</p> })),
                    Ok(items) => Either::Left(Either::Right(view! {
                        <ul class="notifications">
                            {items.into_iter().map(|n| view! {
                                <li class:unread=n.unread>
                                    <time>{n.at}</time>
                                    {match n.order_id {
                                        Some(id) => Either::Left(view! { <a href=format!("/orders/{id}")>{n.message}</a> }),
                                        None => Either::Right(view! { <span>{n.message}</span> }),
                                    }}
                                </li>
                            }).collect_view()}
                        </ul>
                    })),
                    Err(error) => Either::Right(view! { <ErrorNotice error/> }),
                }
            })}
        </Suspense>
    }
}
