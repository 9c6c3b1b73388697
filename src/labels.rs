//! The names of the rules' kinds (categories, order states, ledger lines…)
//! in a language. The rules crate keeps stable slugs only; the words live in
//! `locales/`, looked up here in one place for the pages, e-mails and CSV.

use crate::domain::ledger::TransferKind;
use crate::domain::listing::{Category, Condition, ListingStatus};
use crate::domain::message::{BODY_MAX_CHARS, MessageError, PHOTOS_PER_MESSAGE};
use crate::domain::money::{Money, MoneyError};
use crate::domain::notices::Notice;
use crate::domain::order::{
    ADDRESS_MAX_CHARS, CARRIER_MAX_CHARS, EXTENSION_DAYS, Event, OrderState, QUANTITY_MAX, REASON_MAX_CHARS,
    RefundKind, Refusal, Span, Statement, TimerKind, TransitionError, or_list,
};
use crate::domain::rating::Score;
use crate::domain::rating::{COMMENT_MAX_CHARS, RatingError};
use crate::domain::search::{PAGE_MAX, SearchError, Sort};
use crate::domain::validation::Problem;
use crate::i18n::td_string;
use crate::language::Locale;

pub fn category(l: Locale, category: Category) -> &'static str {
    match category {
        Category::Digital => td_string!(l, label.category.digital),
        Category::HomeAppliances => td_string!(l, label.category.home_appliances),
        Category::DailyGoods => td_string!(l, label.category.daily_goods),
        Category::Cars => td_string!(l, label.category.cars),
        Category::Clothing => td_string!(l, label.category.clothing),
        Category::Books => td_string!(l, label.category.books),
        Category::Other => td_string!(l, label.category.other),
    }
}

pub fn condition(l: Locale, condition: Condition) -> &'static str {
    match condition {
        Condition::New => td_string!(l, label.condition.new),
        Condition::LikeNew => td_string!(l, label.condition.like_new),
        Condition::Used => td_string!(l, label.condition.used),
        Condition::ForParts => td_string!(l, label.condition.for_parts),
    }
}

pub fn sort(l: Locale, sort: Sort) -> &'static str {
    match sort {
        Sort::Relevance => td_string!(l, label.sort.relevance),
        Sort::Newest => td_string!(l, label.sort.newest),
        Sort::PriceLow => td_string!(l, label.sort.price_low),
        Sort::PriceHigh => td_string!(l, label.sort.price_high),
    }
}

pub fn score(l: Locale, score: Score) -> &'static str {
    match score {
        Score::Good => td_string!(l, label.score.good),
        Score::Neutral => td_string!(l, label.score.neutral),
        Score::Bad => td_string!(l, label.score.bad),
    }
}

pub fn listing_status(l: Locale, status: ListingStatus) -> &'static str {
    match status {
        ListingStatus::Active => td_string!(l, label.listing.active),
        ListingStatus::Delisted => td_string!(l, label.listing.delisted),
    }
}

pub fn order_state(l: Locale, state: OrderState) -> &'static str {
    match state {
        OrderState::AwaitingPayment => td_string!(l, label.state.awaiting_payment),
        OrderState::Paid => td_string!(l, label.state.paid),
        OrderState::Shipped => td_string!(l, label.state.shipped),
        OrderState::RefundRequested => td_string!(l, label.state.refund_requested),
        OrderState::RefundRefused => td_string!(l, label.state.refund_refused),
        OrderState::ReturnInTransit => td_string!(l, label.state.return_in_transit),
        OrderState::InArbitration => td_string!(l, label.state.in_arbitration),
        OrderState::Completed => td_string!(l, label.state.completed),
        OrderState::Refunded => td_string!(l, label.state.refunded),
        OrderState::Cancelled => td_string!(l, label.state.cancelled),
        OrderState::Resolved => td_string!(l, label.state.resolved),
    }
}

pub fn transfer(l: Locale, kind: TransferKind) -> &'static str {
    match kind {
        TransferKind::TopUp => td_string!(l, label.transfer.top_up),
        TransferKind::Payment => td_string!(l, label.transfer.payment),
        TransferKind::Release => td_string!(l, label.transfer.release),
        TransferKind::Fee => td_string!(l, label.transfer.fee),
        TransferKind::Refund => td_string!(l, label.transfer.refund),
        TransferKind::Withdrawal => td_string!(l, label.transfer.withdrawal),
        TransferKind::WithdrawalSettled => td_string!(l, label.transfer.withdrawal_settled),
        TransferKind::WithdrawalReturned => td_string!(l, label.transfer.withdrawal_returned),
        TransferKind::Compensation => td_string!(l, label.transfer.compensation),
    }
}

/// What a line of an order's timeline tells, kept as data with the line so
/// it is worded in the reader's language.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Told {
    Placed { quantity: u32, unit_price: Money, amount: Money },
    Event(Event),
}

/// A timeline line in a language.
pub fn told(l: Locale, told: &Told) -> String {
    let event = match told {
        Told::Placed { quantity, unit_price, amount } => {
            return td_string!(l, told.placed, quantity = quantity, unit_price = unit_price, amount = amount);
        }
        Told::Event(event) => event,
    };
    match event {
        Event::Pay => td_string!(l, told.pay).into(),
        Event::Cancel => td_string!(l, told.cancel).into(),
        Event::Ship(s) => td_string!(l, told.ship, carrier = &s.carrier, tracking = &s.tracking),
        Event::SellerCancel => td_string!(l, told.seller_cancel).into(),
        Event::SellerRefund { amount } => td_string!(l, told.seller_refund, amount = amount),
        Event::ConfirmReceipt => td_string!(l, told.confirm_receipt).into(),
        Event::ExtendConfirm { days } => td_string!(l, told.extend_confirm, days = days),
        Event::RequestRefund { kind: RefundKind::RefundOnly, amount, reason } => {
            td_string!(l, told.refund_requested, amount = amount, reason = reason)
        }
        Event::RequestRefund { kind: RefundKind::ReturnAndRefund, amount, reason } => {
            td_string!(l, told.return_requested, amount = amount, reason = reason)
        }
        Event::AgreeRefund => td_string!(l, told.agree_refund).into(),
        Event::RefuseRefund { reason } => td_string!(l, told.refuse_refund, reason = reason),
        Event::WithdrawRefund => td_string!(l, told.withdraw_refund).into(),
        Event::Escalate => td_string!(l, told.escalate).into(),
        Event::SendReturn(s) => td_string!(l, told.send_return, carrier = &s.carrier, tracking = &s.tracking),
        Event::ConfirmReturn => td_string!(l, told.confirm_return).into(),
        Event::DisputeReturn { reason } => td_string!(l, told.dispute_return, reason = reason),
        Event::Decide { refund, reason } => td_string!(l, told.decide, refund = refund, reason = reason),
        Event::Timeout(kind) => match kind {
            TimerKind::Unpaid => td_string!(l, told.timeout_unpaid),
            TimerKind::Ship => td_string!(l, told.timeout_ship),
            TimerKind::Confirm => td_string!(l, told.timeout_confirm),
            TimerKind::Answer => td_string!(l, told.timeout_answer),
            TimerKind::Escalation => td_string!(l, told.timeout_escalation),
            TimerKind::ReturnSend => td_string!(l, told.timeout_return_send),
            TimerKind::ReturnConfirm => td_string!(l, told.timeout_return_confirm),
        }
        .into(),
    }
}

/// What happens when a deadline passes, for the order page.
pub fn deadline(l: Locale, kind: TimerKind) -> &'static str {
    match kind {
        TimerKind::Unpaid => td_string!(l, deadline.unpaid),
        TimerKind::Ship => td_string!(l, deadline.ship),
        TimerKind::Confirm => td_string!(l, deadline.confirm),
        TimerKind::Answer => td_string!(l, deadline.answer),
        TimerKind::Escalation => td_string!(l, deadline.escalation),
        TimerKind::ReturnSend => td_string!(l, deadline.return_send),
        TimerKind::ReturnConfirm => td_string!(l, deadline.return_confirm),
    }
}

/// A notice's headline.
pub fn notice(l: Locale, notice: Notice) -> &'static str {
    match notice {
        Notice::PaidShipNow => td_string!(l, notice.paid_ship_now),
        Notice::Shipped => td_string!(l, notice.shipped),
        Notice::PaymentReleased => td_string!(l, notice.payment_released),
        Notice::OrderCancelled => td_string!(l, notice.order_cancelled),
        Notice::Refunded => td_string!(l, notice.refunded),
        Notice::RefundRequested => td_string!(l, notice.refund_requested),
        Notice::RefundRefused => td_string!(l, notice.refund_refused),
        Notice::SendReturn => td_string!(l, notice.send_return),
        Notice::ReturnSent => td_string!(l, notice.return_sent),
        Notice::RefundWithdrawn => td_string!(l, notice.refund_withdrawn),
        Notice::Escalated => td_string!(l, notice.escalated),
        Notice::Decided => td_string!(l, notice.decided),
        Notice::BankConfirmed => td_string!(l, notice.bank_confirmed),
        Notice::BankRefused => td_string!(l, notice.bank_refused),
        Notice::ClaimFiled => td_string!(l, notice.claim_filed),
        Notice::NewMessage => td_string!(l, notice.new_message),
    }
}

/// A notice with its subject: "Paid — ship now: Kindle × 1".
pub fn notice_line(l: Locale, kind: Notice, subject: &str) -> String {
    td_string!(l, notice.line, headline = notice(l, kind), subject = subject)
}

/// Why an amount was not taken.
pub fn money_error(l: Locale, error: &MoneyError) -> &'static str {
    match error {
        MoneyError::Empty => td_string!(l, money.empty),
        MoneyError::NotANumber => td_string!(l, money.not_a_number),
        MoneyError::TooManyDecimals => td_string!(l, money.too_many_decimals),
        MoneyError::Negative => td_string!(l, money.negative),
        MoneyError::TooLarge => td_string!(l, money.too_large),
    }
}

/// Why the rules refused a step on an order. The kinds no page can cause
/// (a ledger fault, a stale timer) keep their English.
pub fn transition_error(l: Locale, error: &TransitionError) -> String {
    match error {
        TransitionError::NotNow(state) => td_string!(l, refusal.not_now, state = order_state(l, *state)),
        TransitionError::NotYourRole => td_string!(l, refusal.not_your_role).into(),
        TransitionError::AlreadyExtended => td_string!(l, refusal.already_extended).into(),
        TransitionError::Money(error) => money_error(l, error).into(),
        TransitionError::Invalid(refusal) => rule_refusal(l, refusal),
        other => other.to_string(),
    }
}

/// What the rules refuse, in a language.
pub fn rule_refusal(l: Locale, refusal: &Refusal) -> String {
    match refusal {
        Refusal::Quantity => td_string!(l, rule.quantity, max = QUANTITY_MAX),
        Refusal::Address => td_string!(l, rule.address, max = ADDRESS_MAX_CHARS),
        Refusal::ShipmentMissing => td_string!(l, rule.shipment_missing).into(),
        Refusal::ShipmentTooLong => td_string!(l, rule.shipment_too_long, max = CARRIER_MAX_CHARS),
        Refusal::OwnListing => td_string!(l, rule.own_listing).into(),
        Refusal::OrderTooLarge => td_string!(l, rule.order_too_large).into(),
        Refusal::Free => td_string!(l, rule.free).into(),
        Refusal::PaymentExpired => td_string!(l, rule.payment_expired).into(),
        Refusal::RefundOutOfRange { max } => td_string!(l, rule.refund_out_of_range, max = max),
        Refusal::RefundTooLarge { max } => td_string!(l, rule.refund_too_large, max = max),
        Refusal::FullRefundBeforeShipping => td_string!(l, rule.full_refund_before_shipping).into(),
        Refusal::ExtensionDays => td_string!(
            l,
            rule.extension_days,
            list = or_list(&EXTENSION_DAYS, td_string!(l, rule.list_separator), td_string!(l, rule.list_or))
        ),
        Refusal::ReturnAlreadySent => td_string!(l, rule.return_already_sent).into(),
        Refusal::NothingReturned => td_string!(l, rule.nothing_returned).into(),
        Refusal::StatementMissing(statement) => statement_missing(l, *statement).into(),
        Refusal::StatementTooLong => td_string!(l, rule.statement_too_long, max = REASON_MAX_CHARS),
        Refusal::ClaimWindowPassed { window } => match Span::of(*window) {
            Span::Days(count) if crate::language::is_singular(l, count.unsigned_abs()) => {
                td_string!(l, rule.claim_window_days_1, count = count)
            }
            Span::Days(count) => td_string!(l, rule.claim_window_days_n, count = count),
            Span::Hours(count) if crate::language::is_singular(l, count.unsigned_abs()) => {
                td_string!(l, rule.claim_window_hours_1, count = count)
            }
            Span::Hours(count) => td_string!(l, rule.claim_window_hours_n, count = count),
        },
        Refusal::ClaimDecided => td_string!(l, rule.claim_decided).into(),
        Refusal::Message(error) => message_error(l, error),
    }
}

fn statement_missing(l: Locale, statement: Statement) -> &'static str {
    match statement {
        Statement::RefundReason => td_string!(l, rule.statement_refund_reason),
        Statement::RefusalReason => td_string!(l, rule.statement_refusal_reason),
        Statement::ReturnProblem => td_string!(l, rule.statement_return_problem),
        Statement::Decision => td_string!(l, rule.statement_decision),
        Statement::ClaimStatement => td_string!(l, rule.statement_claim),
    }
}

pub fn message_error(l: Locale, error: &MessageError) -> String {
    match error {
        MessageError::Empty => td_string!(l, rule.message_empty).into(),
        MessageError::TooLong => td_string!(l, rule.message_too_long, max = BODY_MAX_CHARS),
        MessageError::TooManyPhotos => td_string!(l, rule.message_too_many_photos, max = PHOTOS_PER_MESSAGE),
    }
}

pub fn rating_error(l: Locale, error: &RatingError) -> String {
    match error {
        RatingError::NotAParty => td_string!(l, rule.rating_not_a_party).into(),
        RatingError::NotEnded => td_string!(l, rule.rating_not_ended).into(),
        RatingError::TooLate => td_string!(l, rule.rating_too_late).into(),
        RatingError::NoScore => td_string!(l, rule.rating_no_score).into(),
        RatingError::CommentTooLong => td_string!(l, rule.rating_comment_too_long, max = COMMENT_MAX_CHARS),
    }
}

/// What the store refuses, in a language.
#[cfg(feature = "ssr")]
pub fn store_refusal(l: Locale, refused: &crate::server::store::Refused) -> String {
    use crate::domain::listing::PHOTOS_PER_LISTING;
    use crate::domain::merchant::{KEY_NAME_MAX_CHARS, URL_MAX_CHARS};
    use crate::server::store::Refused;
    match refused {
        Refused::MerchantModeOff => td_string!(l, rule.merchant_mode_off).into(),
        Refused::NoPhotosHere => td_string!(l, rule.no_photos_here).into(),
        Refused::SuspendedCannotList => td_string!(l, rule.suspended_cannot_list).into(),
        Refused::NoPhotoChosen => td_string!(l, refusal.choose_photo).into(),
        Refused::ListingPhotosFull { had } => {
            td_string!(l, rule.listing_photos_full, max = PHOTOS_PER_LISTING, had = had)
        }
        Refused::FormExpired => td_string!(l, rule.form_expired).into(),
        Refused::KeyName => td_string!(l, rule.key_name, max = KEY_NAME_MAX_CHARS),
        Refused::WebhookUrl => td_string!(l, rule.webhook_url, max = URL_MAX_CHARS),
        Refused::ClaimAlreadyFiled => td_string!(l, rule.claim_already_filed).into(),
        Refused::Rating(error) => rating_error(l, error),
        Refused::AlreadyRated => td_string!(l, rule.already_rated).into(),
        Refused::NothingToMove => td_string!(l, refusal.amount_above_zero).into(),
        Refused::NotAwaitingPayment => td_string!(l, rule.not_awaiting_payment).into(),
        Refused::ShopSuspended => td_string!(l, rule.shop_suspended).into(),
        Refused::NotForSale => td_string!(l, rule.not_for_sale).into(),
        Refused::SellerSuspended => td_string!(l, rule.seller_suspended).into(),
        Refused::EmailNotConfirmed => td_string!(l, rule.email_not_confirmed).into(),
        Refused::Link(refusal) => link_refusal(l, *refusal),
        Refused::WrongPassword => td_string!(l, rule.wrong_password).into(),
    }
}

/// Why a mailed link did not work, in a language.
pub fn link_refusal(l: Locale, refusal: crate::domain::account::LinkRefusal) -> String {
    use crate::domain::account::LinkRefusal;
    match refusal {
        LinkRefusal::Unknown => td_string!(l, rule.link_unknown).into(),
        LinkRefusal::Used => td_string!(l, rule.link_used).into(),
        LinkRefusal::Expired => td_string!(l, rule.link_expired).into(),
    }
}

/// What is wrong with a field, in a language.
pub fn problem(l: Locale, problem: &Problem) -> String {
    match problem {
        Problem::TitleMissing => td_string!(l, problem.title_missing).into(),
        Problem::TitleTooLong { max, has } => td_string!(l, problem.title_too_long, max = max, has = has),
        Problem::DescriptionTooLong { max, has } => {
            td_string!(l, problem.description_too_long, max = max, has = has)
        }
        Problem::CategoryMissing => td_string!(l, problem.category_missing).into(),
        Problem::ConditionMissing => td_string!(l, problem.condition_missing).into(),
        Problem::PriceMissing => td_string!(l, problem.price_missing).into(),
        Problem::PriceZero => td_string!(l, problem.price_zero).into(),
        Problem::Money(error) => money_error(l, error).into(),
        Problem::StockMissing => td_string!(l, problem.stock_missing).into(),
        Problem::StockNegative => td_string!(l, problem.stock_negative).into(),
        Problem::StockTooLarge(max) => td_string!(l, problem.stock_too_large, max = max),
        Problem::StockNotANumber => td_string!(l, problem.stock_not_a_number).into(),
        Problem::EmailMissing => td_string!(l, problem.email_missing).into(),
        Problem::EmailTooLong => td_string!(l, problem.email_too_long).into(),
        Problem::EmailMalformed => td_string!(l, problem.email_malformed).into(),
        Problem::NameMissing => td_string!(l, problem.name_missing).into(),
        Problem::NameTooLong(max) => td_string!(l, problem.name_too_long, max = max),
        Problem::PasswordTooShort(min) => td_string!(l, problem.password_too_short, min = min),
        Problem::PasswordTooLong(max) => td_string!(l, problem.password_too_long, max = max),
    }
}

/// Why a search could not be run as asked.
pub fn search_error(l: Locale, error: &SearchError) -> String {
    match error {
        SearchError::MinPrice(why) => td_string!(l, search_problem.min_price, why = money_error(l, why)),
        SearchError::MaxPrice(why) => td_string!(l, search_problem.max_price, why = money_error(l, why)),
        SearchError::PriceRangeReversed => td_string!(l, search_problem.reversed).into(),
        SearchError::UnknownCategory(slug) => td_string!(l, search_problem.unknown_category, slug = slug),
        SearchError::PageTooDeep => td_string!(l, search_problem.too_deep, max = PAGE_MAX),
    }
}
