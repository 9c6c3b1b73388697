use leptos::either::Either;
use leptos::prelude::*;
use leptos_router::hooks::use_location;

use super::errors::ErrorPanel;
use crate::error::AppError;
use crate::i18n::td_string;
use crate::language::{self, Locale, current};
use crate::server_fns::account::{ResetPassword, SignOutEverywhere};
use crate::server_fns::auth::{MemberView, SignIn, SignOut, SignUp, current_member};

/// The sign-in state shared by the header and the account pages. The member
/// is re-read whenever one of the actions completes, so the header follows a
/// sign-in or sign-out without a full page load.
#[derive(Clone, Copy)]
pub struct Auth {
    pub sign_in: ServerAction<SignIn>,
    pub sign_up: ServerAction<SignUp>,
    pub sign_out: ServerAction<SignOut>,
    /// Here, not on their pages, because they change who is signed in,
    /// which the header shows.
    pub sign_out_everywhere: ServerAction<SignOutEverywhere>,
    pub reset_password: ServerAction<ResetPassword>,
    pub member: Resource<Result<Option<MemberView>, AppError>>,
}

pub fn use_auth() -> Option<Auth> {
    use_context::<Auth>()
}

#[component]
pub fn Layout(children: Children) -> impl IntoView {
    // Made inside the router: a no-JavaScript form post that failed comes
    // back with its error in the URL, which the router hands to the action.
    let sign_in = ServerAction::<SignIn>::new();
    let sign_up = ServerAction::<SignUp>::new();
    let sign_out = ServerAction::<SignOut>::new();
    let sign_out_everywhere = ServerAction::<SignOutEverywhere>::new();
    let reset_password = ServerAction::<ResetPassword>::new();
    let member = Resource::new(
        move || {
            (
                sign_in.version().get(),
                sign_up.version().get(),
                sign_out.version().get(),
                sign_out_everywhere.version().get(),
                reset_password.version().get(),
            )
        },
        |_| current_member(),
    );
    provide_context(Auth { sign_in, sign_up, sign_out, sign_out_everywhere, reset_password, member });
    let l = current();

    view! {
        // The first thing a keyboard reaches: past the header to the page.
        // `target` makes the router leave the click to the browser, whose
        // own jump to #content also moves the keyboard's place (the
        // router's would only scroll).
        <a class="skip-link" href="#content" target="_self">{td_string!(l, nav.skip)}</a>
        <header class="site-header">
            <div class="site-header__inner">
                <a class="brand" href="/">
                    // A drawn shield, not the character 担: without a CJK
                    // font it showed as an empty box.
                    <svg class="brand__mark" viewBox="0 0 32 32" width="32" height="32" aria-hidden="true" focusable="false">
                        <path d="M16 6l8 3v6c0 5-3.4 9.4-8 11c-4.6-1.6-8-6-8-11V9z" fill="none" stroke="currentColor" stroke-width="2" stroke-linejoin="round"/>
                        <path d="M12 16l3 3l5-6" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"/>
                    </svg>
                    "Escrowmart"
                </a>
                <form class="header-search" method="get" action="/search" role="search">
                    <input type="search" name="q" aria-label=td_string!(l, nav.search_label) placeholder=td_string!(l, nav.search_label)/>
                </form>
                <LanguageSwitcher/>
                <nav class="site-nav" aria-label=td_string!(l, nav.account)>
                    <Transition fallback=|| ()>
                        {move || Suspend::new(async move {
                            match member.await {
                                Ok(Some(member)) => Either::Left(view! { <MemberNav member sign_out/> }),
                                _ => Either::Right(view! { <VisitorNav/> }),
                            }
                        })}
                    </Transition>
                </nav>
            </div>
        </header>
        <main class="page" id="content" tabindex="-1">
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let unconfirmed = matches!(member.await, Ok(Some(ref m)) if !m.email_verified);
                    unconfirmed.then(|| view! {
                        <p class="notice notice--muted notice--banner" data-testid="confirm-email-banner">
                            {td_string!(l, verify.needed)} " " <a href="/account">{td_string!(l, verify.account_link)}</a>
                        </p>
                    })
                })}
            </Transition>
            <ErrorBoundary fallback=|errors| view! { <ErrorPanel errors/> }>{children()}</ErrorBoundary>
        </main>
        <footer class="site-footer">
            <p>{td_string!(l, footer.promise)} " " <a href="/stats">{td_string!(l, footer.stats)}</a></p>
        </footer>
    }
}

#[component]
fn MemberNav(member: MemberView, sign_out: ServerAction<SignOut>) -> impl IntoView {
    let l = current();
    view! {
        <a class="button button--primary" href="/sell">{td_string!(l, nav.sell)}</a>
        <a href="/orders">{td_string!(l, nav.orders)}</a>
        <a href="/dashboard">{td_string!(l, nav.dashboard)}</a>
        <a href="/wallet">{td_string!(l, nav.wallet)}</a>
        <a href="/merchant">{td_string!(l, nav.merchant)}</a>
        {member.is_arbiter.then(|| view! { <a href="/arbiter">{td_string!(l, nav.arbiter)}</a> })}
        <a href="/notifications" class="bell" aria-label=td_string!(l, nav.notifications, unread = member.unread)>
            // Drawn, not an emoji: a machine without an emoji font showed
            // an empty box. The link's label names it for screen readers.
            <svg class="bell__icon" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
                <path fill="currentColor" d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6v-5a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1Z"/>
            </svg>
            {(member.unread > 0).then(|| view! { <span class="bell__count" data-testid="unread-count">{member.unread}</span> })}
        </a>
        <a href="/account">{td_string!(l, nav.account)}</a>
        <span class="member-name" data-testid="member-name">{member.display_name}</span>
        <ActionForm action=sign_out attr:class="inline-form">
            <button type="submit" class="link-button" disabled=move || sign_out.pending().get()>
                {move || if sign_out.pending().get() { td_string!(l, nav.signing_out) } else { td_string!(l, nav.sign_out) }}
            </button>
        </ActionForm>
    }
}

#[component]
fn VisitorNav() -> impl IntoView {
    let location = use_location();
    // Come back to the page being read after signing in.
    let here = move || {
        let path = location.pathname.get();
        if path == "/signin" || path == "/signup" { String::new() } else { format!("?next={path}") }
    };
    let l = current();
    view! {
        <a href=move || format!("/signin{}", here())>{td_string!(l, nav.sign_in)}</a>
        <a class="button" href=move || format!("/signup{}", here())>{td_string!(l, nav.sign_up)}</a>
    }
}

/// A link to the page in the other language. A full page load through
/// `/lang/{code}` (hence `rel="external"`, which the router leaves to the
/// browser), so it works without JavaScript and changes everything at once.
#[component]
fn LanguageSwitcher() -> impl IntoView {
    let location = use_location();
    let l = current();
    let other = match l {
        Locale::zh_CN => Locale::en,
        Locale::en => Locale::zh_CN,
    };
    let href = move || {
        // The router's `search` has no leading `?`.
        let search = location.search.get();
        let back = if search.is_empty() {
            location.pathname.get()
        } else {
            format!("{}?{search}", location.pathname.get())
        };
        let query = form_urlencoded::Serializer::new(String::new()).append_pair("back", &back).finish();
        format!("/lang/{}?{query}", language::code(other))
    };
    view! {
        <nav class="language-switcher" aria-label=td_string!(l, nav.language)>
            <a href=href rel="external" hreflang=language::code(other) lang=language::code(other)
                data-testid="language-switcher">{language::own_name(other)}</a>
        </nav>
    }
}
