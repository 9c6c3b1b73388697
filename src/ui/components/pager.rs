use crate::i18n::td_string;
use crate::language::current;
use leptos::prelude::*;

/// Page links: previous, a window of numbers around the current page, next.
/// `href` turns a page number into its URL, so the query stays shareable.
#[component]
pub fn Pager(page: u64, pages: u64, href: impl Fn(u64) -> String + 'static) -> impl IntoView {
    if pages <= 1 {
        return None;
    }
    let first = page.saturating_sub(2).max(1);
    let last = (first + 4).min(pages);
    let numbers = (first..=last)
        .map(|n| {
            if n == page {
                view! { <span class="pager__current" aria-current="page">{n}</span> }.into_any()
            } else {
                view! { <a href=href(n)>{n}</a> }.into_any()
            }
        })
        .collect_view();
    let l = current();
    Some(view! {
        <nav class="pager" aria-label=td_string!(l, pager.label)>
            {(page > 1).then(|| view! { <a rel="prev" href=href(page - 1)>{td_string!(l, pager.previous)}</a> })}
            {numbers}
            {(page < pages).then(|| view! { <a rel="next" href=href(page + 1)>{td_string!(l, pager.next)}</a> })}
        </nav>
    })
}
