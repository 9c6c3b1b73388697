//! Sends the e-mail outbox over SMTP (lettre). Messages are written to the
//! outbox in the same transaction as what they tell; this loop claims the
//! due ones with a lease (two instances send each once), sends each, and
//! records the answer: sent, due again after the next wait of the retry
//! schedule (a 4xx answer, no connection, a timeout), or given up (a 5xx
//! answer, or the schedule ran out). A sender that dies between the
//! server's "accepted" and the record sends that one message again after
//! the lease; it keeps its Message-ID, so a mail system can tell the copy.
//!
//! `ESCROWMART_SMTP_URL` says where: `smtp://host:25` (plain, for a relay
//! on the same host), `smtp://user:pass@host:587?tls=required` (STARTTLS),
//! `smtps://user:pass@host:465` (TLS from the start).

use std::time::Duration;

use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::state::AppState;
use super::store::StoreError;
use super::store::outbox::{self, DueEmail, Sent};

const LEASE_MS: i64 = 120_000;
const BATCH: u64 = 50;
/// One SMTP conversation may take this long before it counts as failed.
const TIMEOUT: Duration = Duration::from_secs(30);
/// The waits after each failed attempt: about a day and a half in all, like
/// a mail server's own queue (1 min, 5 min, 30 min, 2 h, 6 h, 12 h, 24 h).
pub const RETRY_SCHEDULE_MS: [i64; 7] =
    [60_000, 300_000, 1_800_000, 7_200_000, 21_600_000, 43_200_000, 86_400_000];

/// Where and as whom the outbox is sent.
#[derive(Clone, Debug)]
pub struct MailSettings {
    pub smtp_url: String,
    /// `Escrowmart <no-reply@example.com>`.
    pub from: String,
    pub retry_ms: Vec<i64>,
    /// How often the sender looks for due messages.
    pub poll: Duration,
}

pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// The domain of the Message-IDs.
    domain: String,
}

impl Mailer {
    pub fn new(settings: &MailSettings) -> Result<Self, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&settings.smtp_url)
            .map_err(|e| format!("ESCROWMART_SMTP_URL: {e}"))?
            .timeout(Some(TIMEOUT))
            .build();
        let from: Mailbox =
            settings.from.parse().map_err(|e| format!("ESCROWMART_MAIL_FROM {:?}: {e}", settings.from))?;
        let domain = from.email.domain().to_owned();
        Ok(Self { transport, from, domain })
    }

    async fn send(&self, email: &DueEmail) -> Sent {
        let to: Mailbox = match email.to_address.parse() {
            Ok(to) => to,
            Err(e) => return Sent::Permanent(format!("not an address lettre can send to: {e}")),
        };
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&email.subject)
            .message_id(Some(format!("<outbox-{}@{}>", email.id, self.domain)))
            .header(ContentType::TEXT_PLAIN)
            .body(email.body.clone());
        let message = match message {
            Ok(message) => message,
            Err(e) => return Sent::Permanent(format!("the message could not be written: {e}")),
        };
        match self.transport.send(message).await {
            Ok(_) => Sent::Accepted,
            Err(e) if e.is_permanent() => Sent::Permanent(e.to_string()),
            Err(e) => Sent::Transient(e.to_string()),
        }
    }
}

/// Sends every due message once; returns how many were attempted.
pub async fn send_due(state: &AppState, mailer: &Mailer, retry_ms: &[i64]) -> Result<usize, StoreError> {
    let mut attempted = 0;
    loop {
        let due = outbox::claim_due(&state.db, state.clock.now_ms(), LEASE_MS, BATCH).await?;
        if due.is_empty() {
            return Ok(attempted);
        }
        for email in due {
            let sent = mailer.send(&email).await;
            if let Sent::Transient(error) | Sent::Permanent(error) = &sent {
                tracing::warn!(email_id = email.id, attempts = email.attempts + 1, %error, "e-mail not sent");
            }
            outbox::record(&state.db, &email, &sent, state.clock.now_ms(), retry_ms).await?;
            let outcome = match &sent {
                Sent::Accepted => "sent",
                Sent::Transient(_) => "failed",
                Sent::Permanent(_) => "refused",
            };
            metrics::counter!(super::metrics::MAIL_ATTEMPTS, "outcome" => outcome).increment(1);
            attempted += 1;
        }
    }
}

/// Starts the sender, or, with no SMTP server configured, says that the
/// outbox is kept and how much waits in it.
pub fn spawn(state: AppState) {
    let Some(settings) = state.settings.mail.clone() else {
        tokio::spawn(async move {
            let waiting = outbox::waiting(&state.db).await.unwrap_or_default();
            tracing::warn!(
                waiting,
                "no SMTP server configured (ESCROWMART_SMTP_URL): e-mails are kept in the outbox, unsent, \
                 and password-reset and confirmation links reach nobody"
            );
        });
        return;
    };
    let mailer = match Mailer::new(&settings) {
        Ok(mailer) => mailer,
        Err(e) => {
            tracing::error!(error = %e, "the e-mail sender cannot start; the outbox is kept");
            return;
        }
    };
    tokio::spawn(async move {
        loop {
            match send_due(&state, &mailer, &settings.retry_ms).await {
                Ok(sent) if sent > 0 => tracing::info!(sent, "e-mail attempts"),
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "e-mail sender"),
            }
            tokio::time::sleep(settings.poll).await;
        }
    });
}
