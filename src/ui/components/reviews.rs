use leptos::prelude::*;

use crate::domain::rating::Tally;
use crate::server_fns::orders::ReviewView;

/// "98% good · 50 good, 1 neutral, 0 bad".
#[component]
pub fn TallyLine(tally: Tally) -> impl IntoView {
    view! {
        <p class="tally" data-testid="tally">
            {match tally.percent_good() {
                Some(percent) => format!(
                    "{percent}% good · {} good, {} neutral, {} bad",
                    tally.good, tally.neutral, tally.bad
                ),
                None => "No ratings yet".to_owned(),
            }}
        </p>
    }
}

#[component]
pub fn Reviews(reviews: Vec<ReviewView>) -> impl IntoView {
    (!reviews.is_empty()).then(|| {
        view! {
            <ul class="reviews" data-testid="reviews">
                {reviews.into_iter().map(|r| view! {
                    <li>
                        <span class=format!("score score--{}", r.score.slug())>{r.score.label()}</span>
                        " " <strong>{r.rater}</strong> " · " <small>{r.at}</small>
                        {(!r.comment.is_empty()).then(|| view! { <p class="pre">{r.comment}</p> })}
                    </li>
                }).collect_view()}
            </ul>
        }
    })
}
