//! Every parser of outside input, fed anything: it answers with a value or
//! a clear error, never a panic, and what it accepts keeps its rules. The
//! whole-app counterpart (random bodies to every endpoint, never a 500) is
//! in the app's `server::tests::fuzzed_requests`.

use escrowmart_domain::account::{NewMember, check_email, check_password};
use escrowmart_domain::listing::{ListingDraft, ListingForm};
use escrowmart_domain::merchant::{EscrowRequest, NewEscrow};
use escrowmart_domain::message::parse_body;
use escrowmart_domain::money::{FeeRate, Money};
use escrowmart_domain::order::Shipment;
use escrowmart_domain::search::{Search, SearchForm, terms};
use proptest::prelude::*;

/// Text as people and programs type it: any Unicode, with the characters
/// parsers look for (digits, signs, dots, ¥, @, spaces, CJK, controls)
/// made common.
fn typed() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[0-9.+\\-¥ eE_,]{0,24}",
        "[a-zA-Z0-9@._+ \\-]{0,40}",
        "[\\u{4e00}-\\u{9fff}a-z0-9 ]{0,30}",
        "[\\x00-\\x1f\\u{202e}\\u{200b}\\u{feff}<>\"'&]{0,10}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

    #[test]
    fn money_parses_or_refuses_and_what_it_accepts_prints_back_the_same(input in typed()) {
        if let Ok(money) = Money::parse(&input) {
            prop_assert!(money.fen() >= 0 && money.fen() <= Money::MAX_FEN);
            // What a form field holds reads back as the same amount. The
            // shown form groups thousands (¥1,000.00), which a typed amount
            // may not (Money::parse), so it reads back once ungrouped.
            let in_a_field = money.amount_text();
            prop_assert_eq!(Money::parse(&in_a_field), Ok(money), "{} in a field as {}", input, in_a_field);
            let shown = money.to_string();
            prop_assert_eq!(Money::parse(&shown.replace(',', "")), Ok(money), "{} shown as {}", input, shown);
        }
        let _ = FeeRate::parse(&input);
    }

    #[test]
    fn a_sign_up_parses_or_names_its_fields(email in typed(), name in typed(), password in typed()) {
        match NewMember::parse(&email, &name, &password) {
            Ok(member) => {
                prop_assert!(check_email(&member.email).is_ok());
                prop_assert!(check_password(&member.password).is_ok());
                prop_assert!(!member.display_name.is_empty());
            }
            Err(errors) => prop_assert!(!errors.is_empty()),
        }
    }

    #[test]
    fn a_listing_form_parses_or_names_its_fields(
        title in typed(), description in typed(), category in typed(), condition in typed(),
        price in typed(), stock in typed(),
    ) {
        let form = ListingForm { title, description, category, condition, price, stock };
        match ListingDraft::parse(&form) {
            Ok(listing) => prop_assert!(listing.price.fen() > 0),
            Err(errors) => prop_assert!(!errors.is_empty()),
        }
    }

    #[test]
    fn a_search_parses_or_refuses(q in typed(), category in typed(), min in typed(), max in typed(),
                                  in_stock: bool, sort in typed(), page in typed()) {
        let form = SearchForm { q: q.clone(), category, min, max, in_stock, sort, page };
        if let Ok(search) = Search::parse(&form) {
            let _ = search.href(1);
        }
        for term in terms(&q) {
            prop_assert!(!term.trim().is_empty());
        }
    }

    #[test]
    fn an_escrow_request_parses_or_names_its_fields(
        out_trade_no in typed(), amount in typed(), subject in typed(),
        items in proptest::collection::vec((typed(), any::<u32>(), typed()), 0..4),
        buyer_email in proptest::option::of(typed()), return_url in proptest::option::of(typed()),
        metadata in proptest::collection::btree_map(typed(), typed(), 0..3),
    ) {
        let request = EscrowRequest {
            out_trade_no, amount, subject, items, buyer_email, return_url, cancel_url: None, metadata,
        };
        if let Err(errors) = NewEscrow::parse(&request) {
            prop_assert!(!errors.is_empty());
        }
    }

    #[test]
    fn a_message_and_a_shipment_parse_or_refuse(body in typed(), photos in 0usize..10, carrier in typed(), tracking in typed()) {
        let _ = parse_body(&body, photos);
        if let Ok(shipment) = Shipment::parse(&carrier, &tracking) {
            prop_assert!(!shipment.carrier.is_empty() && !shipment.tracking.is_empty());
        }
    }
}

#[cfg(feature = "tokens")]
proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

    #[test]
    fn any_text_tokenizes_and_any_query_splits_within_bounds(title in typed(), description in typed(), query in typed()) {
        let _ = escrowmart_domain::tokens::index_text(&title, &description);
        let words = terms(&query);
        let parts = escrowmart_domain::tokens::query_parts(&words);
        prop_assert!(parts.len() <= escrowmart_domain::tokens::QUERY_PARTS_MAX);
        for part in &parts {
            let _ = part.needle();
        }
    }
}
