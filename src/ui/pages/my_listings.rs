use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::domain::listing::ListingStatus;
use crate::server_fns::listings::my_listings;
use crate::ui::components::errors::ErrorNotice;

#[component]
pub fn MyListingsPage() -> impl IntoView {
    let listings = Resource::new(|| (), |_| my_listings());
    view! {
        <Title text="My listings"/>
        <section>
            <div class="page-heading">
                <h1>"My listings"</h1>
                <a class="button button--primary" href="/sell">"Sell an item"</a>
            </div>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match listings.await {
                        Ok(listings) if listings.is_empty() => Either::Left(Either::Left(view! {
                            <p class="empty">"You have not listed anything yet."</p>
                        })),
                        Ok(listings) => Either::Left(Either::Right(view! {
                            <table class="table">
                                <thead><tr><th>"Item"</th><th>"Price"</th><th>"Stock"</th><th>"Status"</th><th></th></tr></thead>
                                <tbody>
                                    {listings.into_iter().map(|l| view! {
                                        <tr>
                                            <td><a href=format!("/item/{}", l.id)>{l.title}</a></td>
                                            <td>{l.price.to_string()}</td>
                                            <td>{l.stock}</td>
                                            <td>{match l.status { ListingStatus::Active => "On sale", ListingStatus::Delisted => "Delisted" }}</td>
                                            <td><a href=format!("/item/{}/edit", l.id)>"Edit"</a></td>
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
