//! The e-mail outbox sent to a real SMTP server (Python's aiosmtpd, from
//! the virtualenv `.ci/install-tools` makes), read back from its Maildir
//! with an independent parser: what arrives, once, in the member's
//! language; what a refusing or absent server leaves behind.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::escrow::{audit_passes, buyer, fund, key, order, seller_with_listing};
use super::support::{TestApp, link_token};
use crate::server::clock::Clock;
use crate::server::entities::email_outbox;
use crate::server::mail::{MailSettings, Mailer, send_due};

/// aiosmtpd on a free loopback port, writing what it receives to a Maildir.
struct SmtpServer {
    child: Child,
    port: u16,
    maildir: tempfile::TempDir,
}

impl SmtpServer {
    async fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        Self::start_on(port).await
    }

    /// On a given port (also: a server that comes back where it was).
    async fn start_on(port: u16) -> Self {
        let python = Path::new(env!("CARGO_MANIFEST_DIR")).join("end2end/.venv/bin/python");
        assert!(python.exists(), "{} is missing: run `bash .ci/install-tools`", python.display());
        let maildir = tempfile::tempdir().expect("maildir");
        let mut child = Command::new(python)
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{port}"),
                "-c",
                "aiosmtpd.handlers.Mailbox",
            ])
            .arg(maildir.path().join("mail"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("aiosmtpd starts");
        for _ in 0..200 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return Self { child, port, maildir };
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("aiosmtpd did not listen on {port} within 10 s");
    }

    fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message received so far, parsed.
    fn received(&self) -> Vec<Received> {
        let mut files: Vec<PathBuf> = ["new", "cur"]
            .iter()
            .filter_map(|sub| std::fs::read_dir(self.maildir.path().join("mail").join(sub)).ok())
            .flatten()
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .collect();
        files.sort();
        files
            .iter()
            .map(|file| {
                let raw = std::fs::read(file).expect("a message file");
                let message = mail_parser::MessageParser::default().parse(&raw).expect("a parsable message");
                Received {
                    to: message
                        .to()
                        .and_then(|to| to.first())
                        .and_then(|a| a.address())
                        .unwrap_or_default()
                        .to_owned(),
                    subject: message.subject().unwrap_or_default().to_owned(),
                    body: message.body_text(0).map(|b| b.into_owned()).unwrap_or_default(),
                    message_id: message.message_id().unwrap_or_default().to_owned(),
                }
            })
            .collect()
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.stop();
    }
}

#[derive(Debug)]
struct Received {
    to: String,
    subject: String,
    body: String,
    message_id: String,
}

fn mailer(url: String) -> (Mailer, Vec<i64>) {
    let settings = MailSettings {
        smtp_url: url,
        from: "Escrowmart <no-reply@escrowmart.test>".into(),
        retry_ms: vec![1_000, 5_000],
        poll: Duration::from_millis(50),
    };
    (Mailer::new(&settings).expect("mailer"), settings.retry_ms)
}

async fn unsent(app: &TestApp) -> usize {
    email_outbox::Entity::find()
        .filter(email_outbox::Column::SentAt.is_null())
        .filter(email_outbox::Column::FailedAt.is_null())
        .all(&app.db)
        .await
        .expect("outbox")
        .len()
}

#[tokio::test]
async fn the_outbox_is_delivered_once_each_in_the_readers_language_and_the_mailed_reset_link_works_once() {
    let smtp = SmtpServer::start().await;
    let app = TestApp::new().await;
    let (mut seller, _, listing_id) = seller_with_listing(&app, "2").await;
    // A buyer who reads Chinese.
    let mut chinese = app.client();
    let request = axum::http::Request::post("/api/sign_up")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .header("accept-language", "zh-CN")
        .header("sec-fetch-site", "same-origin");
    let body = super::support::form_body(&[
        ("email", "jie@example.com"),
        ("display_name", "杰"),
        ("password", super::support::PASSWORD),
    ]);
    assert!(chinese.send(request, axum::body::Body::from(body)).await.status.is_success());
    let (mut buyer, buyer_id) = buyer(&app, "bo@example.com").await;
    fund(&app, buyer_id, "1000").await;
    let order_id = order(&mut buyer, listing_id, "1").await;
    let id = order_id.to_string();
    assert!(buyer.call("pay_order", &[("id", &id), ("form_key", &key())]).await.status.is_success());
    assert!(
        seller
            .call("ship_order", &[("id", &id), ("carrier", "SF"), ("tracking", "SF1")])
            .await
            .status
            .is_success()
    );
    let queued = unsent(&app).await;
    assert!(queued >= 4, "confirmations, 'ship now', 'shipped': {queued}");

    // Two senders at once, as two instances would be: each message once.
    let (first, schedule) = mailer(smtp.url());
    let (second, _) = mailer(smtp.url());
    let (a, b) =
        tokio::join!(send_due(&app.state, &first, &schedule), send_due(&app.state, &second, &schedule));
    assert_eq!(a.expect("sender a") + b.expect("sender b"), queued);
    assert_eq!(unsent(&app).await, 0);
    let received = smtp.received();
    assert_eq!(received.len(), queued, "{received:#?}");
    let mut ids: Vec<&str> = received.iter().map(|m| m.message_id.as_str()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), queued, "each message once, under its own Message-ID");

    let shipped = received.iter().find(|m| m.to == "bo@example.com" && m.subject.contains("shipped"));
    let shipped = shipped.unwrap_or_else(|| panic!("the buyer hears of the shipment: {received:#?}"));
    assert!(shipped.body.contains(&format!("/orders/{order_id}")), "{}", shipped.body);
    let confirm = received
        .iter()
        .find(|m| m.to == "jie@example.com")
        .unwrap_or_else(|| panic!("the Chinese reader's confirmation: {received:#?}"));
    assert_eq!(confirm.subject, "请确认你的邮箱地址");
    assert!(confirm.body.contains("杰，你好"), "{}", confirm.body);
    let token = link_token(&confirm.body, "/verify-email").expect("a confirmation link");
    assert!(chinese.call("confirm_email", &[("token", &token)]).await.status.is_success());

    // A forgotten password, by the link as delivered.
    app.client().call("forgot_password", &[("email", "bo@example.com")]).await;
    assert_eq!(send_due(&app.state, &first, &schedule).await.expect("sent"), 1);
    let received = smtp.received();
    let reset = received.iter().rev().find(|m| m.subject == "Reset your password").expect("the reset mail");
    let token = link_token(&reset.body, "/reset-password").expect("a reset link");
    let fields = [("token", token.as_str()), ("password", "the new passphrase")];
    assert!(app.client().call("reset_password", &fields).await.status.is_success());
    let again = app.client().call("reset_password", &fields).await;
    assert!(again.body.contains("already been used"), "{}", again.body);
    audit_passes(&app).await;
}

#[tokio::test]
async fn an_unreachable_server_leaves_mail_due_again_by_the_schedule_and_it_goes_once_the_server_is_back() {
    let mut smtp = SmtpServer::start().await;
    let url = smtp.url();
    smtp.stop();
    let app = TestApp::new().await;
    app.unconfirmed_member("ann@example.com", "Ann").await;
    let (sender, schedule) = mailer(url.clone());

    assert_eq!(send_due(&app.state, &sender, &schedule).await.expect("attempted"), 1);
    let row = email_outbox::Entity::find().one(&app.db).await.expect("outbox").expect("a mail");
    assert_eq!((row.attempts, row.sent_at, row.failed_at), (1, None, None));
    assert_eq!(row.next_attempt_at, app.clock.now_ms() + 1_000, "the schedule's first wait");
    assert!(row.last_error.is_some());
    assert_eq!(
        send_due(&app.state, &sender, &schedule).await.expect("nothing due"),
        0,
        "not before its time"
    );

    // The server comes back on the same port.
    let port = url.rsplit(':').next().and_then(|p| p.parse::<u16>().ok()).expect("port");
    let back = SmtpServer::start_on(port).await;
    app.clock.advance(1_000);
    assert_eq!(send_due(&app.state, &sender, &schedule).await.expect("sent"), 1);
    let row = email_outbox::Entity::find().one(&app.db).await.expect("outbox").expect("a mail");
    assert_eq!(row.attempts, 2);
    assert!(row.sent_at.is_some());
    assert_eq!(back.received().len(), 1);
}

#[tokio::test]
async fn a_message_that_fails_past_the_schedule_or_is_refused_for_good_is_given_up() {
    let mut smtp = SmtpServer::start().await;
    let url = smtp.url();
    smtp.stop();
    let app = TestApp::new().await;
    app.unconfirmed_member("ann@example.com", "Ann").await;
    let (sender, schedule) = mailer(url);
    for wait in [0, 1_000, 5_000] {
        app.clock.advance(wait);
        assert_eq!(send_due(&app.state, &sender, &schedule).await.expect("attempted"), 1);
    }
    let row = email_outbox::Entity::find().one(&app.db).await.expect("outbox").expect("a mail");
    assert_eq!(row.attempts, 3);
    assert!(row.failed_at.is_some(), "given up after the last wait");
    app.clock.advance(86_400_000);
    assert_eq!(send_due(&app.state, &sender, &schedule).await.expect("nothing"), 0);
}
