//! The two languages through the whole app: which one a request gets, the
//! switcher, and the texts the server writes (timeline, notifications,
//! e-mails, refusals, the CSV statement) in the reader's language.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use super::disputes::Deal;
use super::escrow::audit_passes;
use super::support::{Client, TestApp};
use crate::server::entities::email_outbox;

/// A client that chose Chinese with the switcher (the cookie wins over the
/// English `Accept-Language` the test client sends).
fn in_chinese(mut client: Client) -> Client {
    client.cookies.insert(crate::language::COOKIE.to_owned(), "zh-CN".to_owned());
    client
}

#[tokio::test]
async fn the_page_language_follows_the_cookie_then_accept_language_then_chinese() {
    let app = TestApp::new().await;
    let mut client = app.client();

    let english = client.get("/").await;
    assert!(english.body.contains(r#"<html lang="en""#), "{}", &english.body[..300]);
    assert!(english.body.contains("Buy and sell with the money held safely in between"));

    let no_preference = client
        .send(
            axum::http::Request::get("/").header(axum::http::header::ACCEPT_LANGUAGE, "de-DE"),
            axum::body::Body::empty(),
        )
        .await;
    assert!(no_preference.body.contains(r#"<html lang="zh-CN""#));
    assert!(no_preference.body.contains("买卖双方之间，货款由平台安全担保"));

    let traditional = client
        .send(
            axum::http::Request::get("/")
                .header(axum::http::header::ACCEPT_LANGUAGE, "zh-TW,zh;q=0.9,en;q=0.8"),
            axum::body::Body::empty(),
        )
        .await;
    assert!(traditional.body.contains(r#"<html lang="zh-CN""#), "any Chinese reads the Chinese we write");

    let mut chinese = in_chinese(app.client());
    let search = chinese.get("/search?q=%E6%89%8B%E6%9C%BA&sort=newest").await.body;
    assert!(
        search.contains(
            r#"href="/lang/en?back=%2Fsearch%3Fq%3D%25E6%2589%258B%25E6%259C%25BA%26sort%3Dnewest""#
        ),
        "the switcher comes back to the same search"
    );
    let page = chinese.get("/signin").await;
    assert!(page.body.contains(r#"<html lang="zh-CN""#));
    assert!(page.body.contains("<title>登录 · Escrowmart</title>"), "the head too");
    assert!(page.body.contains("电子邮箱"));
}

#[tokio::test]
async fn the_switcher_keeps_the_choice_for_a_year_and_goes_back_only_to_our_own_pages() {
    let app = TestApp::new().await;
    let mut client = app.client();
    let switched = client.get("/lang/zh-CN?back=%2Fsearch%3Fq%3D%25E6%2589%258B%25E6%259C%25BA").await;
    assert_eq!(switched.status, 303);
    assert_eq!(switched.location(), Some("/search?q=%E6%89%8B%E6%9C%BA"));
    let cookie =
        switched.headers.get(axum::http::header::SET_COOKIE).and_then(|v| v.to_str().ok()).unwrap_or("");
    assert!(
        cookie.starts_with("lang=zh-CN;") && cookie.contains("Path=/") && cookie.contains("Max-Age=31536000")
    );
    let page = client.get("/search?q=%E6%89%8B%E6%9C%BA").await;
    assert!(page.body.contains("“手机”的搜索结果"), "the cookie now wins over Accept-Language: en");

    let back = client.get("/lang/en?back=//evil.example/").await;
    assert_eq!(back.location(), Some("/"));
    assert!(client.get("/search?q=x").await.body.contains("Results for “x”"));
    assert_eq!(client.get("/lang/fr?back=/").await.status, 404);
}

#[tokio::test]
async fn an_order_reads_in_the_readers_language_and_e_mails_go_out_in_the_members_language() {
    let deal = Deal::shipped().await;
    let mut buyer = in_chinese(deal.buyer.clone());
    let page = buyer.get(&format!("/orders/{}", deal.id())).await.body;
    assert!(page.contains("已通过SF发货（运单号 SF1）"), "the timeline");
    assert!(page.contains("已付款至担保"));
    assert!(page.contains("将自动确认收货"), "the deadline");
    assert!(page.contains("年"), "a Chinese date");
    assert!(page.contains("已发货"), "the state");

    // The same order in English for the seller, who reads English.
    let mut seller = deal.seller.clone();
    let seller_page = seller.get(&format!("/orders/{}", deal.id())).await.body;
    assert!(seller_page.contains("Shipped with SF (tracking SF1)"));

    // Notifications are worded when read.
    let news = buyer.get("/notifications").await.body;
    assert!(news.contains("你的订单已发货："), "{news}");

    // A refusal from the store, in the asker's language.
    let again =
        buyer.call("confirm_receipt", &[("id", &deal.id()), ("form_key", "k"), ("received", "")]).await;
    assert!(again.body.contains("请勾选以确认收到与描述相符的商品"), "{}", again.body);

    // Members signed up through an English browser; the e-mails say so.
    let mail = email_outbox::Entity::find()
        .filter(email_outbox::Column::ToAddress.eq("jie@example.com"))
        .order_by_desc(email_outbox::Column::Id)
        .one(&deal.app.db)
        .await
        .expect("outbox")
        .expect("an e-mail about the shipment");
    assert!(mail.subject.starts_with("Your order has shipped: "), "{mail:?}");
    assert!(mail.body.starts_with("Hello ") && mail.body.contains("Open the order: /orders/"), "{mail:?}");

    // Signing in from a Chinese browser switches the e-mails to Chinese.
    let mut chinese_seller = in_chinese(deal.app.client());
    let signed_in = chinese_seller
        .call("sign_in", &[("email", "seller@example.com"), ("password", super::support::PASSWORD)])
        .await;
    assert!(signed_in.status.is_success() || signed_in.status.is_redirection(), "{signed_in:?}");
    let mut writer = deal.buyer.clone();
    writer.post_multipart(&format!("/orders/{}/messages", deal.id()), &[("body", "到了吗？")], &[]).await;
    let mail = email_outbox::Entity::find()
        .order_by_desc(email_outbox::Column::Id)
        .one(&deal.app.db)
        .await
        .expect("outbox")
        .expect("an e-mail about the message");
    assert!(mail.subject.starts_with("你的订单有新留言："), "{mail:?}");
    assert!(mail.body.contains("你好") && mail.body.contains("查看订单：/orders/"), "{mail:?}");
    audit_passes(&deal.app).await;
}

#[tokio::test]
async fn the_csv_statement_is_headed_and_described_in_the_readers_language() {
    let deal = Deal::shipped().await;
    let mut buyer = in_chinese(deal.buyer.clone());
    let csv = buyer.get("/wallet/statement.csv").await.body;
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("日期,说明,订单,金额,余额"));
    assert!(csv.contains("付款至担保"), "{csv}");
    let english = deal.buyer.clone().get("/wallet/statement.csv").await.body;
    assert!(english.starts_with("date,description,order,amount,balance"), "{english}");
}

#[tokio::test]
async fn what_is_wrong_with_a_form_is_said_in_the_readers_language_with_javascript_on_or_off() {
    let app = TestApp::new().await;
    let mut chinese = in_chinese(app.client());
    let fields = [("email", "not-an-address"), ("display_name", "梅"), ("password", "short")];
    let hydrated = chinese.call("sign_up", &fields).await;
    assert_eq!(hydrated.status, 422);
    let problems = serde_json::from_str::<crate::error::AppError>(&hydrated.body).expect("an AppError");
    let l = crate::language::Locale::zh_CN;
    assert_eq!(
        problems.field_message("email", l).as_deref(),
        Some("请填写有效的电子邮箱，例如 name@example.com")
    );
    let short = format!("密码至少 {} 个字符", crate::domain::account::PASSWORD_MIN_CHARS);
    assert_eq!(problems.field_message("password", l), Some(short.clone()));

    // Without JavaScript the form comes back as a page, worded the same.
    let posted = chinese.submit("sign_up", &fields, "/signup").await;
    let back = posted.location().unwrap_or_default().to_owned();
    let page = chinese.get(&back).await.body;
    assert!(page.contains(&short), "{page}");
    assert_eq!(app.count("users").await, 0);
}

#[tokio::test]
async fn the_rules_refusals_are_said_in_the_readers_language() {
    let deal = Deal::shipped().await;
    let mut buyer = in_chinese(deal.buyer.clone());
    let id = deal.id();

    // The rules (domain) refuse: a rating before the end, an extension of a
    // length not offered, a refund without a reason.
    let early = buyer.call("rate_order", &[("id", &id), ("score", "good"), ("comment", "好")]).await;
    assert_eq!(early.status, 422);
    assert!(early.body.contains("订单完成后才能评价"), "{}", early.body);
    let odd = buyer.call("extend_confirm", &[("id", &id), ("days", "4")]).await;
    assert!(odd.body.contains("只能延长 3、5、7或10 天"), "{}", odd.body);
    let refund = format!("/orders/{id}/refund");
    let no_reason = buyer
        .post_multipart(&refund, &[("kind", "refund_only"), ("amount", "10"), ("reason", " ")], &[])
        .await;
    let back = no_reason.location().unwrap_or_default().to_owned();
    assert!(back.contains("error="), "{no_reason:?}");
    assert!(buyer.get(&back).await.body.contains("请说明退款原因"));

    // An empty message, worded by the rules, in the asker's language.
    let messages = format!("/orders/{id}/messages");
    let empty = buyer.post_multipart(&messages, &[("body", "  ")], &[]).await;
    let back = empty.location().unwrap_or_default().to_owned();
    assert!(buyer.get(&back).await.body.contains("请输入留言或附上照片"));

    // The same refusal for an English reader, and the English the merchant
    // API and the logs read stays as it was.
    let english = deal.buyer.clone().call("extend_confirm", &[("id", &id), ("days", "4")]).await;
    assert!(english.body.contains("Extend by 3, 5, 7 or 10 days"), "{}", english.body);
    assert_eq!(deal.state().await, crate::domain::order::OrderState::Shipped, "nothing changed");
    audit_passes(&deal.app).await;
}
