use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::i18n::td_string;
use crate::labels;
use crate::language::current;
use crate::server_fns::listings::my_listings;
use crate::ui::components::errors::ErrorNotice;

#[component]
pub fn MyListingsPage() -> impl IntoView {
    let listings = Resource::new(|| (), |_| my_listings());
    let l = current();
    view! {
        <Title text=td_string!(l, my_listings.title)/>
        <section>
            <div class="page-heading">
                <h1>{td_string!(l, my_listings.title)}</h1>
                <a class="button button--primary" href="/sell">{td_string!(l, nav.sell)}</a>
            </div>
            <Suspense fallback=move || view! { <p class="loading">{td_string!(l, common.loading)}</p> }>
                {move || Suspend::new(async move {
                    match listings.await {
                        Ok(listings) if listings.is_empty() => Either::Left(Either::Left(view! {
                            <p class="empty">{td_string!(l, my_listings.empty)}</p>
                        })),
                        Ok(listings) => Either::Left(Either::Right(view! {
                            <table class="table table--stack">
                                <thead><tr>
                                    <th>{td_string!(l, common.item)}</th><th>{td_string!(l, common.price)}</th>
                                    <th>{td_string!(l, my_listings.stock)}</th><th>{td_string!(l, common.status)}</th><th></th>
                                </tr></thead>
                                <tbody>
                                    {listings.into_iter().map(|listing| view! {
                                        <tr>
                                            <td data-label=td_string!(l, common.item)><a href=format!("/item/{}", listing.id)>{listing.title}</a></td>
                                            <td data-label=td_string!(l, common.price)>{listing.price.to_string()}</td>
                                            <td data-label=td_string!(l, my_listings.stock)>{listing.stock}</td>
                                            <td data-label=td_string!(l, common.status)>{labels::listing_status(l, listing.status)}</td>
                                            <td><a href=format!("/item/{}/edit", listing.id)>{td_string!(l, common.edit)}</a></td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        })),
                        Err(error) => Either::Right(view! { <ErrorNotice error/> }),
                    }
                })}
            </Suspense>
        </section>
    }
}
