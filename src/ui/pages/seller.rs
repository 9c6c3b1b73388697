use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::error::AppError;
use crate::i18n::td_string;
use crate::language::current;
use crate::server_fns::sellers::{SellerProfile, get_seller_profile};
use crate::ui::components::errors::ErrorNotice;
use crate::ui::components::listing_card::ListingCards;
use crate::ui::components::pager::Pager;
use crate::ui::components::reviews::{Reviews, TallyLine};

#[component]
pub fn SellerPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = move || params.read().get("id").and_then(|id| id.parse::<i64>().ok());
    let page = move || query.read().get("page").and_then(|p| p.parse::<u64>().ok()).unwrap_or(1).max(1);
    let profile = Resource::new(
        move || (id(), page()),
        |(id, page)| async move {
            match id {
                Some(id) => get_seller_profile(id, page).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    let l = current();
    view! {
        <Suspense fallback=move || view! { <p class="loading">{td_string!(l, common.loading)}</p> }>
            {move || Suspend::new(async move {
                match profile.await {
                    Ok(profile) => Either::Left(view! { <Profile profile/> }),
                    Err(error) => Either::Right(view! { <ErrorNotice error/> }),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Profile(profile: SellerProfile) -> impl IntoView {
    let l = current();
    let seller_id = profile.id;
    view! {
        <Title text=profile.name.clone()/>
        <section class="seller">
            <h1>{profile.name.clone()}</h1>
            <p class="lead">{td_string!(l, seller.member_since)} {profile.member_since.clone()}</p>
            {profile.suspension.clone().map(|_| view! {
                <p class="notice notice--error" data-testid="suspended">
                    {td_string!(l, seller.suspended)}
                </p>
            })}
            <TallyLine tally=profile.tally/>
            <Reviews reviews=profile.reviews.clone()/>
            <h2>{td_string!(l, seller.on_sale)}</h2>
            {if profile.on_sale == 0 {
                Either::Left(view! { <p class="empty">{td_string!(l, seller.nothing)} " " <a href="/">{td_string!(l, seller.browse)}</a></p> })
            } else {
                Either::Right(view! {
                    <ListingCards listings=profile.listings/>
                    <Pager page=profile.page pages=profile.pages href=move |n| format!("/seller/{seller_id}?page={n}")/>
                })
            }}
        </section>
    }
}
