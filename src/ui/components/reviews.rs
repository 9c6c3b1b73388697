use leptos::prelude::*;

use crate::domain::rating::Tally;
use crate::i18n::td_string;
use crate::labels;
use crate::language::current;
use crate::server_fns::orders::ReviewView;

/// "98% good · 50 good, 1 neutral, 0 bad".
#[component]
pub fn TallyLine(tally: Tally) -> impl IntoView {
    let l = current();
    view! {
        <p class="tally" data-testid="tally">
            {match tally.percent_good() {
                Some(percent) => td_string!(
                    l, reviews.tally,
                    percent = percent, good = tally.good, neutral = tally.neutral, bad = tally.bad
                ),
                None => td_string!(l, reviews.none).to_owned(),
            }}
        </p>
    }
}

#[component]
pub fn Reviews(reviews: Vec<ReviewView>) -> impl IntoView {
    let l = current();
    (!reviews.is_empty()).then(|| {
        view! {
            <ul class="reviews" data-testid="reviews">
                {reviews.into_iter().map(|r| view! {
                    <li>
                        <span class=format!("score score--{}", r.score.slug())>{labels::score(l, r.score)}</span>
                        " " <strong>{r.rater}</strong> " · " <small>{r.at}</small>
                        {(!r.comment.is_empty()).then(|| view! { <p class="pre">{r.comment}</p> })}
                    </li>
                }).collect_view()}
            </ul>
        }
    })
}
