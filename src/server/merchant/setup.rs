//! `escrowmart merchant setup`: what a shop's owner does on `/merchant`
//! (an account, merchant mode, a key, a webhook endpoint) in one command,
//! for scripts: the tea-shop example and its browser test start from it.

use sea_orm::DatabaseConnection;

use crate::domain::account::NewMember;
use crate::domain::merchant::Mode;
use crate::domain::order::Rules;
use crate::server::clock::Millis;
use crate::server::store::commands::{self, Actor, Command, MerchantChange, Outcome};
use crate::server::store::members;

/// What a shop needs to talk to us, each shown this once.
#[derive(Debug)]
pub struct Provisioned {
    pub member_id: i64,
    pub api_key: String,
    pub webhook_secret: Option<String>,
}

/// Who the shop is and what it needs.
#[derive(Debug)]
pub struct Shop<'a> {
    pub email: &'a str,
    /// Shown to buyers at checkout; used for a new member only.
    pub name: &'a str,
    /// A new member's password.
    pub password: &'a str,
    pub mode: Mode,
    pub webhook_url: Option<&'a str>,
}

/// The member with the shop's e-mail (made when there is none) in merchant
/// mode, with a new key and, given a URL, a new webhook endpoint.
pub async fn setup(
    db: &DatabaseConnection,
    shop: &Shop<'_>,
    now: Millis,
    rules: &Rules,
) -> Result<Provisioned, String> {
    let Shop { email, name, password, mode, webhook_url } = *shop;
    let member_id = match members::find_for_sign_in(db, email).await.map_err(|e| e.to_string())? {
        Some((member, _)) => member.id,
        None => {
            let new = NewMember::parse(email, name, password).map_err(|e| e.to_string())?;
            let hash =
                crate::server::auth::hash_password(new.password.clone()).await.map_err(|e| e.to_string())?;
            let id = members::create(db, &new, hash, now).await.map_err(|e| e.to_string())?.id;
            // The operator running this vouches for the shop's address.
            crate::server::store::accounts::confirm_email(db, id, now).await.map_err(|e| e.to_string())?;
            id
        }
    };
    let change = async |change: MerchantChange| {
        let command = Command::Merchant(change);
        let done = commands::run(db, Actor::Member(member_id), None, command, now, rules)
            .await
            .map_err(|e| e.to_string())?;
        match done.outcome {
            Outcome::Merchant { secret } => Ok(secret),
            other => Err(format!("unexpected outcome {other:?}")),
        }
    };
    change(MerchantChange::Enable).await?;
    let api_key = change(MerchantChange::CreateKey { name: "set up from the command line".into(), mode })
        .await?
        .ok_or("no key was made")?;
    let webhook_secret = match webhook_url {
        Some(url) => change(MerchantChange::AddEndpoint(url.to_owned())).await?,
        None => None,
    };
    Ok(Provisioned { member_id, api_key, webhook_secret })
}
