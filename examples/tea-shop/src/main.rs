//! Tea House: a small shop elsewhere on the web that sells with Escrowmart
//! escrow. Its checkout creates an escrow through the merchant API and
//! sends the buyer to Escrowmart's hosted checkout; its webhook receiver
//! verifies every event's Standard Webhooks signature and follows the
//! escrow's status; its admin page ships through the API.
//!
//! Configuration, from the environment (`escrowmart merchant setup` prints
//! the first two):
//! - `ESCROWMART_API_KEY`, `ESCROWMART_WEBHOOK_SECRET`
//! - `ESCROWMART_URL` (default `http://127.0.0.1:3000`)
//! - `TEA_SHOP_ADDR` (default `127.0.0.1:4000`)
//!
//! It keeps its orders in memory: it is an example, not a shop to run.
//! Its admin page has no sign-in for the same reason; a real shop puts it
//! behind its own.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

struct Tea {
    id: &'static str,
    name: &'static str,
    /// In yuan, as the API takes amounts.
    price: &'static str,
    price_fen: i64,
}

const TEAS: [Tea; 3] = [
    Tea { id: "longjing", name: "Longjing green tea, 250 g", price: "99.50", price_fen: 9_950 },
    Tea { id: "puer", name: "Pu'er tea cake, 357 g", price: "168.00", price_fen: 16_800 },
    Tea { id: "tieguanyin", name: "Tieguanyin oolong, 200 g", price: "76.00", price_fen: 7_600 },
];

#[derive(Clone, Debug)]
struct Order {
    number: String,
    lines: Vec<(usize, u32)>,
    total_fen: i64,
    escrow_id: Option<String>,
    checkout_url: Option<String>,
    status: String,
    /// The escrow snapshot's `updated_at` last applied: webhooks can arrive
    /// out of order (a retry after a later event), and an older one is
    /// ignored.
    updated_at: String,
}

#[derive(Default)]
struct Shop {
    carts: HashMap<String, BTreeMap<usize, u32>>,
    orders: BTreeMap<String, Order>,
    next_number: u32,
}

#[derive(Clone)]
struct App {
    shop: Arc<Mutex<Shop>>,
    http: reqwest::Client,
    escrowmart: String,
    api_key: String,
    webhooks: Arc<standardwebhooks::Webhook>,
    public_url: String,
}

impl App {
    fn shop(&self) -> std::sync::MutexGuard<'_, Shop> {
        // A panic while holding the lock poisons it; the data is still
        // consistent (every change is one assignment), so keep serving.
        self.shop.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A POST to the merchant API; the Idempotency-Key makes a retry safe.
    async fn api(&self, path: &str, idempotency_key: &str, body: &Value) -> Result<Value, String> {
        let response = self
            .http
            .post(format!("{}/api/v1{path}", self.escrowmart))
            .bearer_auth(&self.api_key)
            .header("idempotency-key", idempotency_key)
            .json(body)
            .send()
            .await
            .map_err(|e| format!("Escrowmart could not be reached: {e}"))?;
        let status = response.status();
        let answer: Value =
            response.json().await.map_err(|e| format!("Escrowmart's answer was unreadable: {e}"))?;
        if status.is_success() {
            Ok(answer)
        } else {
            Err(answer["detail"].as_str().unwrap_or("Escrowmart refused").to_owned())
        }
    }
}

fn env(name: &str) -> Result<String, String> {
    std::env::var(name).map_err(|_| format!("set {name} (see `escrowmart merchant setup`)"))
}

#[tokio::main]
async fn main() -> Result<(), String> {
    let addr: SocketAddr = std::env::var("TEA_SHOP_ADDR")
        .unwrap_or_else(|_| "127.0.0.1:4000".into())
        .parse()
        .map_err(|e| format!("TEA_SHOP_ADDR: {e}"))?;
    let secret = env("ESCROWMART_WEBHOOK_SECRET")?;
    let app = App {
        shop: Arc::default(),
        http: reqwest::Client::new(),
        escrowmart: std::env::var("ESCROWMART_URL")
            .unwrap_or_else(|_| "http://127.0.0.1:3000".into())
            .trim_end_matches('/')
            .to_owned(),
        api_key: env("ESCROWMART_API_KEY")?,
        webhooks: Arc::new(
            standardwebhooks::Webhook::new(&secret).map_err(|e| format!("webhook secret: {e:?}"))?,
        ),
        public_url: format!("http://{addr}"),
    };
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| format!("{addr}: {e}"))?;
    println!("Tea House at http://{addr}");
    axum::serve(listener, router(app)).await.map_err(|e| e.to_string())
}

fn router(app: App) -> Router {
    Router::new()
        .route("/", get(home))
        .route("/healthz", get(|| async { "ok" }))
        .route("/cart", get(cart).post(add_to_cart))
        .route("/checkout", post(checkout))
        .route("/orders/{number}", get(order_page))
        .route("/admin", get(admin))
        .route("/admin/orders/{number}/ship", post(ship))
        .route("/webhooks/escrowmart", post(webhook))
        .with_state(app)
}

fn yuan(fen: i64) -> String {
    format!("¥{}.{:02}", fen / 100, fen % 100)
}

fn text(value: &str) -> String {
    html_escape::encode_text(value).into_owned()
}

fn page(title: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{} · Tea House</title>\
         <style>body{{font-family:sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem}}\
         table{{border-collapse:collapse;width:100%}}td,th{{padding:.4rem;border-bottom:1px solid #ddd;text-align:left}}</style>\
         </head><body><header><a href=\"/\">Tea House</a> · <a href=\"/cart\">Cart</a> · <a href=\"/admin\">Admin</a></header>\
         <main><h1>{}</h1>{body}</main></body></html>",
        text(title),
        text(title)
    ))
}

const CART_COOKIE: &str = "tea_cart";

fn cart_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == CART_COOKIE)
        .map(|(_, value)| value.to_owned())
}

async fn home() -> Html<String> {
    let rows: String = TEAS
        .iter()
        .map(|tea| {
            format!(
                "<tr><td>{}</td><td>{}</td><td><form method=\"post\" action=\"/cart\">\
                 <input type=\"hidden\" name=\"tea\" value=\"{}\">\
                 <label>Quantity <input name=\"quantity\" type=\"number\" min=\"1\" max=\"20\" value=\"1\"></label> \
                 <button type=\"submit\" aria-label=\"Add {} to cart\">Add to cart</button></form></td></tr>",
                text(tea.name),
                yuan(tea.price_fen),
                tea.id,
                text(tea.name)
            )
        })
        .collect();
    page(
        "Fine Chinese tea",
        &format!(
            "<p>Every order is paid into Escrowmart escrow: we are paid only when you confirm the tea arrived.</p>\
             <table><tbody>{rows}</tbody></table>"
        ),
    )
}

#[derive(Deserialize)]
struct AddToCart {
    tea: String,
    quantity: u32,
}

async fn add_to_cart(State(app): State<App>, headers: HeaderMap, Form(form): Form<AddToCart>) -> Response {
    let Some(index) = TEAS.iter().position(|t| t.id == form.tea) else {
        return (StatusCode::UNPROCESSABLE_ENTITY, page("Not our tea", "<p>We do not sell that.</p>"))
            .into_response();
    };
    if !(1..=20).contains(&form.quantity) {
        return (StatusCode::UNPROCESSABLE_ENTITY, page("Too many", "<p>Order 1 to 20 at a time.</p>"))
            .into_response();
    }
    let id = cart_id(&headers).unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
    let mut shop = app.shop();
    let quantity = shop.carts.entry(id.clone()).or_default().entry(index).or_default();
    *quantity = (*quantity + form.quantity).min(20);
    let cookie = format!("{CART_COOKIE}={id}; Path=/; HttpOnly; SameSite=Lax");
    ([(header::SET_COOKIE, cookie)], Redirect::to("/cart")).into_response()
}

fn lines_html(lines: &[(usize, u32)]) -> (String, i64) {
    let mut total = 0;
    let rows = lines
        .iter()
        .filter_map(|&(index, quantity)| TEAS.get(index).map(|tea| (tea, quantity)))
        .map(|(tea, quantity)| {
            total += tea.price_fen * i64::from(quantity);
            format!("<tr><td>{}</td><td>{quantity}</td><td>{}</td></tr>", text(tea.name), yuan(tea.price_fen))
        })
        .collect();
    (rows, total)
}

async fn cart(State(app): State<App>, headers: HeaderMap) -> Html<String> {
    let lines: Vec<(usize, u32)> = cart_id(&headers)
        .and_then(|id| app.shop().carts.get(&id).cloned())
        .map(|cart| cart.into_iter().collect())
        .unwrap_or_default();
    if lines.is_empty() {
        return page("Your cart", "<p>Your cart is empty. <a href=\"/\">Choose a tea</a>.</p>");
    }
    let (rows, total) = lines_html(&lines);
    page(
        "Your cart",
        &format!(
            "<table><thead><tr><th>Tea</th><th>Quantity</th><th>Price</th></tr></thead><tbody>{rows}</tbody></table>\
             <p>Total: <strong data-testid=\"cart-total\">{}</strong></p>\
             <form method=\"post\" action=\"/checkout\"><button type=\"submit\">Check out with Escrowmart escrow</button></form>",
            yuan(total)
        ),
    )
}

async fn checkout(State(app): State<App>, headers: HeaderMap) -> Response {
    let Some(cart) = cart_id(&headers).and_then(|id| app.shop().carts.remove(&id)) else {
        return Redirect::to("/cart").into_response();
    };
    let lines: Vec<(usize, u32)> = cart.into_iter().collect();
    let (_, total) = lines_html(&lines);
    let number = {
        let mut shop = app.shop();
        shop.next_number += 1;
        let number = format!("T-{}-{}", std::process::id(), shop.next_number);
        let order = Order {
            number: number.clone(),
            lines: lines.clone(),
            total_fen: total,
            escrow_id: None,
            checkout_url: None,
            status: "new".into(),
            updated_at: String::new(),
        };
        shop.orders.insert(number.clone(), order);
        number
    };
    let items: Vec<Value> = lines
        .iter()
        .filter_map(|&(index, quantity)| TEAS.get(index).map(|tea| (tea, quantity)))
        .map(|(tea, quantity)| json!({"title": tea.name, "quantity": quantity, "unit_price": tea.price}))
        .collect();
    let request = json!({
        "out_trade_no": number,
        "amount": yuan(total).trim_start_matches('¥'),
        "subject": format!("Tea House order {number}"),
        "items": items,
        "return_url": format!("{}/orders/{number}", app.public_url),
        "cancel_url": format!("{}/cart", app.public_url),
        "metadata": {"shop": "tea-house"}
    });
    // The order number is the Idempotency-Key: a retried checkout never
    // makes a second escrow.
    match app.api("/escrows", &number, &request).await {
        Ok(escrow) => {
            let url = escrow["checkout_url"].as_str().unwrap_or_default().to_owned();
            if let Some(order) = app.shop().orders.get_mut(&number) {
                order.escrow_id = escrow["id"].as_str().map(str::to_owned);
                order.checkout_url = Some(url.clone());
                order.status = escrow["status"].as_str().unwrap_or("awaiting_payment").to_owned();
            }
            Redirect::to(&url).into_response()
        }
        Err(message) => {
            (StatusCode::BAD_GATEWAY, page("Checkout failed", &format!("<p>{}</p>", text(&message))))
                .into_response()
        }
    }
}

async fn order_page(State(app): State<App>, Path(number): Path<String>) -> Response {
    let Some(order) = app.shop().orders.get(&number).cloned() else {
        return (StatusCode::NOT_FOUND, page("No such order", "<p>We have no order with that number.</p>"))
            .into_response();
    };
    let (rows, _) = lines_html(&order.lines);
    let pay = match (&order.checkout_url, order.status.as_str()) {
        (Some(url), "awaiting_payment") => format!("<p><a href=\"{}\">Pay into escrow</a></p>", text(url)),
        _ => String::new(),
    };
    page(
        &format!("Order {}", order.number),
        &format!(
            "<p>Status: <strong data-testid=\"order-status\">{}</strong></p>{pay}\
             <table><tbody>{rows}</tbody></table><p>Total: {}</p>",
            text(&order.status),
            yuan(order.total_fen)
        ),
    )
    .into_response()
}

async fn admin(State(app): State<App>) -> Html<String> {
    let orders: Vec<Order> = app.shop().orders.values().rev().cloned().collect();
    if orders.is_empty() {
        return page("Orders", "<p>No orders yet.</p>");
    }
    let rows: String = orders
        .iter()
        .map(|order| {
            let action = if order.status == "paid" {
                format!(
                    "<form method=\"post\" action=\"/admin/orders/{}/ship\">\
                     <label>Carrier <input name=\"carrier\" required></label> \
                     <label>Tracking number <input name=\"tracking_no\" required></label> \
                     <button type=\"submit\">Ship {}</button></form>",
                    text(&order.number),
                    text(&order.number)
                )
            } else {
                String::new()
            };
            format!(
                "<tr data-order=\"{}\"><td>{}</td><td>{}</td><td class=\"status\">{}</td><td>{action}</td></tr>",
                text(&order.number),
                text(&order.number),
                yuan(order.total_fen),
                text(&order.status)
            )
        })
        .collect();
    page(
        "Orders",
        &format!(
            "<table><thead><tr><th>Order</th><th>Total</th><th>Status</th><th></th></tr></thead><tbody>{rows}</tbody></table>"
        ),
    )
}

#[derive(Deserialize)]
struct ShipForm {
    carrier: String,
    tracking_no: String,
}

async fn ship(State(app): State<App>, Path(number): Path<String>, Form(form): Form<ShipForm>) -> Response {
    let Some(escrow_id) = app.shop().orders.get(&number).and_then(|o| o.escrow_id.clone()) else {
        return (StatusCode::NOT_FOUND, page("No such order", "<p>Nothing to ship.</p>")).into_response();
    };
    let body = json!({"carrier": form.carrier, "tracking_no": form.tracking_no});
    match app.api(&format!("/escrows/{escrow_id}/ship"), &format!("ship-{number}"), &body).await {
        Ok(escrow) => {
            apply(&app, &escrow);
            Redirect::to("/admin").into_response()
        }
        Err(message) => {
            (StatusCode::BAD_GATEWAY, page("Shipping failed", &format!("<p>{}</p>", text(&message))))
                .into_response()
        }
    }
}

/// Follows an escrow snapshot (from a webhook or an API answer), unless a
/// newer one was already applied.
fn apply(app: &App, escrow: &Value) {
    let (Some(number), Some(status)) = (escrow["out_trade_no"].as_str(), escrow["status"].as_str()) else {
        return;
    };
    let updated_at = escrow["updated_at"].as_str().unwrap_or_default();
    if let Some(order) = app.shop().orders.get_mut(number)
        && updated_at >= order.updated_at.as_str()
    {
        order.status = status.to_owned();
        order.updated_at = updated_at.to_owned();
    }
}

/// Escrowmart's webhooks: anything without a valid signature is refused.
async fn webhook(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Response {
    if app.webhooks.verify(&body, &headers).is_err() {
        return (StatusCode::BAD_REQUEST, Json(json!({"error": "bad signature"}))).into_response();
    }
    let Ok(event) = serde_json::from_slice::<Value>(&body) else {
        return (StatusCode::BAD_REQUEST, Json(json!({"error": "not JSON"}))).into_response();
    };
    apply(&app, &event["data"]);
    StatusCode::NO_CONTENT.into_response()
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;

    use super::*;

    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    fn app() -> App {
        let mut shop = Shop::default();
        let order = Order {
            number: "T-1".into(),
            lines: vec![(0, 2)],
            total_fen: 19_900,
            escrow_id: Some("esc_1".into()),
            checkout_url: None,
            status: "awaiting_payment".into(),
            updated_at: String::new(),
        };
        shop.orders.insert("T-1".into(), order);
        App {
            shop: Arc::new(Mutex::new(shop)),
            http: reqwest::Client::new(),
            escrowmart: "http://127.0.0.1:9".into(),
            api_key: "em_test_x".into(),
            webhooks: Arc::new(standardwebhooks::Webhook::new(SECRET).expect("secret")),
            public_url: "http://127.0.0.1:4000".into(),
        }
    }

    async fn deliver(app: &App, signature: Option<&str>, body: &str) -> StatusCode {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("time").as_secs()
            as i64;
        let signed = app.webhooks.sign("msg_1", now, body.as_bytes()).expect("signs");
        let request = Request::post("/webhooks/escrowmart")
            .header("webhook-id", "msg_1")
            .header("webhook-timestamp", now.to_string())
            .header("webhook-signature", signature.unwrap_or(&signed))
            .body(Body::from(body.to_owned()))
            .expect("request");
        router(app.clone()).oneshot(request).await.expect("answer").status()
    }

    fn event(status: &str, updated_at: &str) -> String {
        json!({"type": "escrow.paid", "data": {"out_trade_no": "T-1", "status": status, "updated_at": updated_at}})
            .to_string()
    }

    #[tokio::test]
    async fn a_signed_event_moves_the_order_and_a_forged_one_is_refused() {
        let app = app();
        let forged =
            deliver(&app, Some("v1,bm90IGEgc2lnbmF0dXJl"), &event("completed", "2026-11-27T10:00:00Z")).await;
        assert_eq!(forged, StatusCode::BAD_REQUEST);
        assert_eq!(app.shop().orders["T-1"].status, "awaiting_payment");

        assert_eq!(
            deliver(&app, None, &event("shipped", "2026-11-27T10:05:00Z")).await,
            StatusCode::NO_CONTENT
        );
        assert_eq!(app.shop().orders["T-1"].status, "shipped");
        // A retried older event arriving late does not take the order back.
        assert_eq!(deliver(&app, None, &event("paid", "2026-11-27T10:00:00Z")).await, StatusCode::NO_CONTENT);
        assert_eq!(app.shop().orders["T-1"].status, "shipped");
    }
}
