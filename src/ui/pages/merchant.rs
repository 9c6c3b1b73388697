//! `/merchant`: merchant mode, API keys (shown once), webhook endpoints and
//! the delivery log of every event.

use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::domain::merchant::{KEY_NAME_MAX_CHARS, URL_MAX_CHARS};
use crate::server_fns::merchant::{
    AddWebhookEndpoint, CreateApiKey, EnableMerchant, EventRow, MerchantView, RedeliverEvent,
    RemoveWebhookEndpoint, RevokeApiKey, merchant_settings,
};
use crate::ui::components::errors::ErrorNotice;
use crate::ui::components::form::{FieldError, FormError, SubmitButton, action_error};

#[derive(Clone, Copy)]
struct Actions {
    enable: ServerAction<EnableMerchant>,
    create_key: ServerAction<CreateApiKey>,
    revoke: ServerAction<RevokeApiKey>,
    add_endpoint: ServerAction<AddWebhookEndpoint>,
    remove_endpoint: ServerAction<RemoveWebhookEndpoint>,
    redeliver: ServerAction<RedeliverEvent>,
}

#[component]
pub fn MerchantPage() -> impl IntoView {
    let actions = Actions {
        enable: ServerAction::new(),
        create_key: ServerAction::new(),
        revoke: ServerAction::new(),
        add_endpoint: ServerAction::new(),
        remove_endpoint: ServerAction::new(),
        redeliver: ServerAction::new(),
    };
    let versions = move || {
        (
            actions.enable.version().get(),
            actions.create_key.version().get(),
            actions.revoke.version().get(),
            actions.add_endpoint.version().get(),
            actions.remove_endpoint.version().get(),
            actions.redeliver.version().get(),
        )
    };
    let settings = Resource::new(versions, |_| merchant_settings());
    view! {
        <Title text="Merchant API"/>
        <div class="page-heading">
            <h1>"Merchant API"</h1>
            <a href="/api/docs" rel="external">"API documentation"</a>
        </div>
        <p class="lead">"Use Escrowmart escrow in your own shop: create an escrow from your server, send the buyer to its checkout, ship through the API, and hear every step by signed webhook."</p>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match settings.await {
                    Ok(view) if view.enabled => Either::Left(Either::Left(view! { <Settings view actions/> })),
                    Ok(_) => Either::Left(Either::Right(view! { <TurnOn actions/> })),
                    Err(error) => Either::Right(view! { <ErrorNotice error/> }),
                }
            })}
        </Suspense>
    }
}

#[component]
fn TurnOn(actions: Actions) -> impl IntoView {
    let errors = action_error(actions.enable);
    view! {
        <ActionForm action=actions.enable attr:class="form form--compact">
            <h2>"Turn on merchant mode"</h2>
            <p>"Escrows your shop creates are ordinary Escrowmart orders with you as the seller: the money reaches your wallet, less the fee, when the buyer confirms receipt."</p>
            <FormError errors/>
            <SubmitButton pending=actions.enable.pending().into() label="Turn on merchant mode" pending_label="Turning on…"/>
        </ActionForm>
    }
}

#[component]
fn Settings(view: MerchantView, actions: Actions) -> impl IntoView {
    let key_errors = action_error(actions.create_key);
    let endpoint_errors = action_error(actions.add_endpoint);
    view! {
        {view.new_secret.map(|secret| view! {
            <div class="notice notice--success" role="status">
                <p>"Copy this secret now: it will not be shown again."</p>
                <code class="secret" data-testid="new-secret">{secret}</code>
            </div>
        })}
        <section>
            <h2>"API keys"</h2>
            <p class="form-hint">"Live keys (em_live_…) make real escrows; test keys (em_test_…) make escrows marked test, kept apart from live figures."</p>
            {if view.keys.is_empty() {
                Either::Left(view! { <p class="empty">"No keys yet: make one below."</p> })
            } else {
                Either::Right(view! {
                    <table class="table" data-testid="api-keys">
                        <thead><tr><th>"Name"</th><th>"Key"</th><th>"Made"</th><th>"Last used"</th><th></th></tr></thead>
                        <tbody>
                            {view.keys.into_iter().map(|key| view! {
                                <tr class:muted=key.revoked>
                                    <td>{key.name}</td>
                                    <td><code>{key.shown_as}</code></td>
                                    <td>{key.created}</td>
                                    <td>{key.last_used.unwrap_or_else(|| "never".into())}</td>
                                    <td>
                                        {if key.revoked {
                                            Either::Left(view! { "revoked" })
                                        } else {
                                            Either::Right(view! {
                                                <ActionForm action=actions.revoke attr:class="inline-form">
                                                    <input type="hidden" name="id" value=key.id/>
                                                    <button type="submit" class="link-button">"Revoke"</button>
                                                </ActionForm>
                                            })
                                        }}
                                    </td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                })
            }}
            <ActionForm action=actions.create_key attr:class="form form--compact form--inline">
                <FormError errors=key_errors/>
                <div class="field">
                    <label for="key-name">"Key name"</label>
                    <input id="key-name" name="name" type="text" required maxlength=KEY_NAME_MAX_CHARS placeholder="Shop server"/>
                    <FieldError errors=key_errors field="name"/>
                </div>
                <div class="field">
                    <label for="key-mode">"Mode"</label>
                    <select id="key-mode" name="mode">
                        <option value="live">"Live"</option>
                        <option value="test">"Test"</option>
                    </select>
                </div>
                <SubmitButton pending=actions.create_key.pending().into() label="Make a key" pending_label="Making…"/>
            </ActionForm>
        </section>
        <section>
            <h2>"Webhook endpoints"</h2>
            <p class="form-hint">"Events are signed after the Standard Webhooks spec with the endpoint's whsec_ secret; only a 2xx answer counts, and 410 turns the endpoint off."</p>
            {if view.endpoints.is_empty() {
                Either::Left(view! { <p class="empty">"No endpoints yet: add your shop's webhook address below."</p> })
            } else {
                Either::Right(view! {
                    <ul class="plain-list" data-testid="endpoints">
                        {view.endpoints.into_iter().map(|endpoint| view! {
                            <li>
                                <code>{endpoint.url}</code>
                                {if endpoint.enabled {
                                    Either::Left(view! {
                                        <ActionForm action=actions.remove_endpoint attr:class="inline-form">
                                            <input type="hidden" name="id" value=endpoint.id/>
                                            <button type="submit" class="link-button">"Remove"</button>
                                        </ActionForm>
                                    })
                                } else {
                                    Either::Right(view! { <span class="muted">{format!(" off: {}", endpoint.disabled_reason.unwrap_or_default())}</span> })
                                }}
                            </li>
                        }).collect_view()}
                    </ul>
                })
            }}
            <ActionForm action=actions.add_endpoint attr:class="form form--compact form--inline">
                <FormError errors=endpoint_errors/>
                <div class="field">
                    <label for="endpoint-url">"Endpoint address"</label>
                    <input id="endpoint-url" name="url" type="url" required maxlength=URL_MAX_CHARS placeholder="https://shop.example/webhooks/escrowmart"/>
                    <FieldError errors=endpoint_errors field="url"/>
                </div>
                <SubmitButton pending=actions.add_endpoint.pending().into() label="Add endpoint" pending_label="Adding…"/>
            </ActionForm>
        </section>
        <section id="events">
            <h2>"Events and deliveries"</h2>
            {if view.events.is_empty() {
                Either::Left(view! { <p class="empty">"No events yet: they start when a buyer pays one of your escrows."</p> })
            } else {
                Either::Right(view! {
                    <ul class="plain-list" data-testid="events">
                        {view.events.into_iter().map(|event| view! { <EventItem event redeliver=actions.redeliver/> }).collect_view()}
                    </ul>
                })
            }}
        </section>
    }
}

#[component]
fn EventItem(event: EventRow, redeliver: ServerAction<RedeliverEvent>) -> impl IntoView {
    view! {
        <li class="event">
            <p>
                <strong>{event.kind}</strong>" · "<code>{event.escrow}</code>" · "<time>{event.at}</time>
                {event.test.then(|| view! { " " <span class="badge">"test"</span> })}
            </p>
            {if event.deliveries.is_empty() {
                Either::Left(view! { <p class="muted">"No endpoint was set up when this happened."</p> })
            } else {
                Either::Right(view! {
                    <table class="table table--compact">
                        <thead><tr><th>"Endpoint"</th><th>"Status"</th><th>"Attempts"</th><th>"Last answer"</th><th>"Latency"</th></tr></thead>
                        <tbody>
                            {event.deliveries.into_iter().map(|d| view! {
                                <tr>
                                    <td><code>{d.url}</code></td>
                                    <td>{d.status}</td>
                                    <td>{d.attempts}</td>
                                    <td>{d.last_status.map(|s| s.to_string()).or(d.last_error).unwrap_or_default()}</td>
                                    <td>{d.latency_ms.map(|ms| format!("{ms} ms")).unwrap_or_default()}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                    <ActionForm action=redeliver attr:class="inline-form">
                        <input type="hidden" name="id" value=event.id/>
                        <button type="submit" class="link-button">"Send again"</button>
                    </ActionForm>
                })
            }}
        </li>
    }
}
