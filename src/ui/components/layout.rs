use leptos::either::Either;
use leptos::prelude::*;
use leptos_router::hooks::use_location;

use super::errors::ErrorPanel;
use crate::error::AppError;
use crate::server_fns::auth::{MemberView, SignIn, SignOut, SignUp, current_member};

/// The sign-in state shared by the header and the account pages. The member
/// is re-read whenever one of the actions completes, so the header follows a
/// sign-in or sign-out without a full page load.
#[derive(Clone, Copy)]
pub struct Auth {
    pub sign_in: ServerAction<SignIn>,
    pub sign_up: ServerAction<SignUp>,
    pub sign_out: ServerAction<SignOut>,
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
    let member = Resource::new(
        move || (sign_in.version().get(), sign_up.version().get(), sign_out.version().get()),
        |_| current_member(),
    );
    provide_context(Auth { sign_in, sign_up, sign_out, member });

    view! {
        <header class="site-header">
            <div class="site-header__inner">
                <a class="brand" href="/">
                    <span class="brand__mark" aria-hidden="true">"担"</span>
                    "Escrowmart"
                </a>
                <form class="header-search" method="get" action="/search" role="search">
                    <input type="search" name="q" aria-label="Search listings" placeholder="Search listings"/>
                </form>
                <nav class="site-nav" aria-label="Account">
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
        <main class="page">
            <ErrorBoundary fallback=|errors| view! { <ErrorPanel errors/> }>{children()}</ErrorBoundary>
        </main>
        <footer class="site-footer">
            <p>"Every purchase is held in escrow until the buyer confirms receipt."</p>
        </footer>
    }
}

#[component]
fn MemberNav(member: MemberView, sign_out: ServerAction<SignOut>) -> impl IntoView {
    view! {
        <a class="button button--primary" href="/sell">"Sell an item"</a>
        <a href="/orders">"My orders"</a>
        <a href="/dashboard">"Dashboard"</a>
        <a href="/wallet">"Wallet"</a>
        <a href="/merchant">"Merchant API"</a>
        {member.is_arbiter.then(|| view! { <a href="/arbiter">"Arbiter"</a> })}
        <a href="/notifications" class="bell" aria-label=format!("Notifications, {} unread", member.unread)>
            "🔔"
            {(member.unread > 0).then(|| view! { <span class="bell__count" data-testid="unread-count">{member.unread}</span> })}
        </a>
        <span class="member-name" data-testid="member-name">{member.display_name}</span>
        <ActionForm action=sign_out attr:class="inline-form">
            <button type="submit" class="link-button" disabled=move || sign_out.pending().get()>
                {move || if sign_out.pending().get() { "Signing out…" } else { "Sign out" }}
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
    view! {
        <a href=move || format!("/signin{}", here())>"Sign in"</a>
        <a class="button" href=move || format!("/signup{}", here())>"Sign up"</a>
    }
}
