//! `/merchant`: merchant mode, API keys (shown once), webhook endpoints and
//! the delivery log of every event.

use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::domain::merchant::{KEY_NAME_MAX_CHARS, URL_MAX_CHARS};
use crate::i18n::td_string;
use crate::language::current;
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
    let l = current();
    view! {
        <Title text=td_string!(l, merchant.title)/>
        <div class="page-heading">
            <h1>{td_string!(l, merchant.title)}</h1>
            <a href="/api/docs" rel="external">{td_string!(l, merchant.docs)}</a>
        </div>
        <p class="lead">{td_string!(l, merchant.lead)}</p>
        <Suspense fallback=move || view! { <p class="loading">{td_string!(l, common.loading)}</p> }>
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
    let l = current();
    view! {
        <ActionForm action=actions.enable attr:class="form form--compact">
            <h2>{td_string!(l, merchant.turn_on_title)}</h2>
            <p>{td_string!(l, merchant.turn_on_text)}</p>
            <FormError errors/>
            <SubmitButton pending=actions.enable.pending().into() label=td_string!(l, merchant.turn_on_title) pending_label=td_string!(l, merchant.turning_on)/>
        </ActionForm>
    }
}

#[component]
fn Settings(view: MerchantView, actions: Actions) -> impl IntoView {
    let key_errors = action_error(actions.create_key);
    let endpoint_errors = action_error(actions.add_endpoint);
    let l = current();
    view! {
        {view.new_secret.map(|secret| view! {
            <div class="notice notice--success" role="status">
                <p>{td_string!(l, merchant.copy_secret)}</p>
                <code class="secret" data-testid="new-secret">{secret}</code>
            </div>
        })}
        <section>
            <h2>{td_string!(l, merchant.keys)}</h2>
            <p class="form-hint">{td_string!(l, merchant.keys_hint)}</p>
            {if view.keys.is_empty() {
                Either::Left(view! { <p class="empty">{td_string!(l, merchant.no_keys)}</p> })
            } else {
                Either::Right(view! {
                    <table class="table table--stack" data-testid="api-keys">
                        <thead><tr><th>{td_string!(l, merchant.name)}</th><th>{td_string!(l, merchant.key)}</th><th>{td_string!(l, merchant.made)}</th><th>{td_string!(l, merchant.last_used)}</th><th></th></tr></thead>
                        <tbody>
                            {view.keys.into_iter().map(|key| view! {
                                <tr class:muted=key.revoked>
                                    <td data-label=td_string!(l, merchant.name)>{key.name}</td>
                                    <td data-label=td_string!(l, merchant.key)><code>{key.shown_as}</code></td>
                                    <td data-label=td_string!(l, merchant.made)>{key.created}</td>
                                    <td data-label=td_string!(l, merchant.last_used)>{key.last_used.unwrap_or_else(|| td_string!(l, merchant.never).into())}</td>
                                    <td>
                                        {if key.revoked {
                                            Either::Left(td_string!(l, merchant.revoked))
                                        } else {
                                            Either::Right(view! {
                                                <ActionForm action=actions.revoke attr:class="inline-form">
                                                    <input type="hidden" name="id" value=key.id/>
                                                    <button type="submit" class="link-button">{td_string!(l, merchant.revoke)}</button>
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
                    <label for="key-name">{td_string!(l, merchant.key_name)}</label>
                    <input id="key-name" name="name" type="text" required maxlength=KEY_NAME_MAX_CHARS placeholder=td_string!(l, merchant.key_placeholder)/>
                    <FieldError errors=key_errors field="name"/>
                </div>
                <div class="field">
                    <label for="key-mode">{td_string!(l, merchant.mode)}</label>
                    <select id="key-mode" name="mode">
                        <option value="live">{td_string!(l, merchant.live)}</option>
                        <option value="test">{td_string!(l, merchant.test)}</option>
                    </select>
                </div>
                <SubmitButton pending=actions.create_key.pending().into() label=td_string!(l, merchant.make_key) pending_label=td_string!(l, merchant.making)/>
            </ActionForm>
        </section>
        <section>
            <h2>{td_string!(l, merchant.endpoints)}</h2>
            <p class="form-hint">{td_string!(l, merchant.endpoints_hint)}</p>
            {if view.endpoints.is_empty() {
                Either::Left(view! { <p class="empty">{td_string!(l, merchant.no_endpoints)}</p> })
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
                                            <button type="submit" class="link-button">{td_string!(l, merchant.remove)}</button>
                                        </ActionForm>
                                    })
                                } else {
                                    Either::Right(view! { <span class="muted">{td_string!(l, merchant.off, reason = endpoint.disabled_reason.unwrap_or_default())}</span> })
                                }}
                            </li>
                        }).collect_view()}
                    </ul>
                })
            }}
            <ActionForm action=actions.add_endpoint attr:class="form form--compact form--inline">
                <FormError errors=endpoint_errors/>
                <div class="field">
                    <label for="endpoint-url">{td_string!(l, merchant.endpoint_address)}</label>
                    <input id="endpoint-url" name="url" type="url" required maxlength=URL_MAX_CHARS placeholder="https://shop.example/webhooks/escrowmart"/>
                    <FieldError errors=endpoint_errors field="url"/>
                </div>
                <SubmitButton pending=actions.add_endpoint.pending().into() label=td_string!(l, merchant.add_endpoint) pending_label=td_string!(l, merchant.adding)/>
            </ActionForm>
        </section>
        <section id="events">
            <h2>{td_string!(l, merchant.events)}</h2>
            {if view.events.is_empty() {
                Either::Left(view! { <p class="empty">{td_string!(l, merchant.no_events)}</p> })
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
    let l = current();
    view! {
        <li class="event">
            <p>
                <strong>{event.kind}</strong>" · "<code>{event.escrow}</code>" · "<time>{event.at}</time>
                {event.test.then(|| view! { " " <span class="badge">{td_string!(l, checkout.test)}</span> })}
            </p>
            {if event.deliveries.is_empty() {
                Either::Left(view! { <p class="muted">{td_string!(l, merchant.no_endpoint_then)}</p> })
            } else {
                Either::Right(view! {
                    <table class="table table--compact table--stack">
                        <thead><tr><th>{td_string!(l, merchant.endpoint)}</th><th>{td_string!(l, common.status)}</th><th>{td_string!(l, merchant.attempts)}</th><th>{td_string!(l, merchant.last_answer)}</th><th>{td_string!(l, merchant.latency)}</th></tr></thead>
                        <tbody>
                            {event.deliveries.into_iter().map(|d| view! {
                                <tr>
                                    <td data-label=td_string!(l, merchant.endpoint)><code>{d.url}</code></td>
                                    <td data-label=td_string!(l, common.status)>{d.status}</td>
                                    <td data-label=td_string!(l, merchant.attempts)>{d.attempts}</td>
                                    <td data-label=td_string!(l, merchant.last_answer)>{d.last_status.map(|s| s.to_string()).or(d.last_error).unwrap_or_default()}</td>
                                    <td data-label=td_string!(l, merchant.latency)>{d.latency_ms.map(|ms| format!("{ms} ms")).unwrap_or_default()}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                    <ActionForm action=redeliver attr:class="inline-form">
                        <input type="hidden" name="id" value=event.id/>
                        <button type="submit" class="link-button">{td_string!(l, merchant.send_again)}</button>
                    </ActionForm>
                })
            }}
        </li>
    }
}
