//! Demo data: a small believable marketplace for trying the app, and on
//! request a large generated one (for benchmarks and for seeing the app at
//! scale). Everything goes through the same store functions and rules as
//! real use, so the ledger audit passes on it.

mod pictures;
pub mod progress;
mod text;

use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sea_orm::{DatabaseConnection, DatabaseTransaction};

use super::auth::hash_password;
use super::clock::Millis;
use super::db::begin_write;
use super::media::{MediaStore, PhotoError};
use super::store::commands::{self, Actor, Command, Outcome};
use super::store::listings::BulkListing;
use super::store::photos::{Purpose, StoredFile};
use super::store::{self, StoreError};
use crate::domain::account::NewMember;
use crate::domain::bank::{BankVerdict, OperationKind};
use crate::domain::listing::{Category, ListingDraft, ListingForm};
use crate::domain::money::Money;
use crate::domain::order::{Event, RefundKind, Rules, Shipment};

/// Every demo member signs in with this password.
pub const DEMO_PASSWORD: &str = "escrowmart-demo";

const SELLERS: [(&str, &str); 3] = [
    ("lin.wei@demo.escrowmart.test", "Lin Wei 林伟"),
    ("zhao.min@demo.escrowmart.test", "Zhao Min 赵敏"),
    ("oak.and.ink@demo.escrowmart.test", "Oak & Ink Books"),
];
pub const DEMO_BUYER: (&str, &str) = ("buyer@demo.escrowmart.test", "Chen Jie 陈杰");

/// (seller index, title, description, category, condition, price, stock)
type DemoListing =
    (usize, &'static str, &'static str, &'static str, &'static str, &'static str, &'static str);

const LISTINGS: [DemoListing; 30] = [
    (
        0,
        "Kindle Paperwhite 5, 16 GB",
        "Bought last spring, screen spotless, comes with the original cable and a grey fabric cover.",
        "digital",
        "like-new",
        "520.00",
        "1",
    ),
    (0, "小米手环 8 NFC 版", "全新未拆封，支持门禁卡与公交卡。", "digital", "new", "229.00", "3"),
    (
        0,
        "Sony WH-1000XM4 headphones",
        "Noise cancelling works perfectly; ear pads replaced in May. Case included.",
        "digital",
        "used",
        "899.00",
        "1",
    ),
    (
        0,
        "Raspberry Pi 4 Model B (4 GB)",
        "Used for a weekend project, in an aluminium case with fan. Power supply included.",
        "digital",
        "used",
        "310.00",
        "2",
    ),
    (
        0,
        "iPad 第九代 64G 深空灰",
        "自用一年，无磕碰，电池健康 92%，送保护壳。",
        "digital",
        "like-new",
        "1650.00",
        "1",
    ),
    (
        0,
        "Mechanical keyboard, 87 keys, brown switches",
        "Hot-swappable, PBT keycaps, USB-C. A few keycaps show light shine.",
        "digital",
        "used",
        "260.00",
        "1",
    ),
    (
        1,
        "Midea rice cooker 4 L",
        "Ceramic inner pot, keep-warm function. Moved house and have two.",
        "home-appliances",
        "like-new",
        "199.00",
        "1",
    ),
    (
        1,
        "美的电风扇 落地扇 七叶静音",
        "今年夏天买的，用了两个月，遥控器齐全。",
        "home-appliances",
        "used",
        "120.00",
        "2",
    ),
    (
        1,
        "Philips steam iron",
        "2400 W, ceramic soleplate, no limescale. Works like new.",
        "home-appliances",
        "used",
        "85.00",
        "1",
    ),
    (
        1,
        "Xiaomi robot vacuum 1C",
        "Maps the flat, runs daily. New side brushes and filter included.",
        "home-appliances",
        "used",
        "450.00",
        "1",
    ),
    (
        1,
        "Electric kettle 1.7 L, stainless",
        "Boils fast, auto shut-off. Bought a second by mistake, never used.",
        "home-appliances",
        "new",
        "69.00",
        "4",
    ),
    (
        1,
        "空气净化器 适用 40㎡",
        "滤芯上个月刚换，三档风速，夜间模式很安静。",
        "home-appliances",
        "used",
        "380.00",
        "1",
    ),
    (
        1,
        "Bamboo cutting boards, set of 3",
        "Food-safe finish, three sizes, hanging holes.",
        "daily-goods",
        "new",
        "45.00",
        "10",
    ),
    (
        1,
        "保温杯 500ml 304不锈钢",
        "全新，保温12小时，多色可选（下单后留言）。",
        "daily-goods",
        "new",
        "39.90",
        "25",
    ),
    (
        1,
        "Linen bath towels, pair",
        "Washed once, soft and absorbent, sand colour.",
        "daily-goods",
        "like-new",
        "58.00",
        "3",
    ),
    (
        1,
        "Ceramic tea set for six",
        "Hand-painted blue and white, one teapot, six cups, tray.",
        "daily-goods",
        "new",
        "168.00",
        "2",
    ),
    (
        2,
        "The Three-Body Problem (English, paperback)",
        "Cixin Liu, translated by Ken Liu. Light reading wear, no notes.",
        "books",
        "used",
        "35.00",
        "2",
    ),
    (2, "《活着》余华 精装版", "书品九成新，无笔记无折角。", "books", "like-new", "28.00", "1"),
    (
        2,
        "Rust in Action",
        "Tim McNamara, Manning. Clean copy, a coffee ring on the back cover.",
        "books",
        "used",
        "120.00",
        "1",
    ),
    (2, "《红楼梦》 人民文学出版社 全两册", "经典版本，书脊略有阅读痕迹。", "books", "used", "45.00", "1"),
    (
        2,
        "Children's picture books, bundle of 12",
        "Mixed English and Chinese titles, ages 3 to 6. All pages intact.",
        "books",
        "used",
        "90.00",
        "1",
    ),
    (
        2,
        "HSK 4 standard course, textbook + workbook",
        "A few pencil answers in the workbook, easily erased.",
        "books",
        "used",
        "40.00",
        "3",
    ),
    (
        0,
        "Down jacket, men's L, navy",
        "90% duck down, worn one winter, dry-cleaned.",
        "clothing",
        "like-new",
        "320.00",
        "1",
    ),
    (1, "真丝围巾 杭州丝绸", "全新带吊牌，礼盒包装。", "clothing", "new", "158.00", "5"),
    (
        1,
        "Running shoes, women's 38",
        "Cushioned road shoes, about 100 km on them.",
        "clothing",
        "used",
        "180.00",
        "1",
    ),
    (0, "Wool beanie, hand-knitted", "Charcoal grey merino, one size.", "clothing", "new", "59.00", "6"),
    (
        0,
        "2016 Volkswagen Lavida 1.6 L automatic",
        "86,000 km, full service history at the dealer, no accidents, one owner. Viewing in Hangzhou.",
        "cars",
        "used",
        "52000.00",
        "1",
    ),
    (1, "儿童自行车 16寸", "孩子长大了骑不了，辅助轮可拆。", "other", "used", "150.00", "1"),
    (
        2,
        "Vintage fountain pen, Hero 616",
        "Classic 1980s model, fills and writes smoothly.",
        "other",
        "used",
        "66.00",
        "2",
    ),
    (
        0,
        "Camping tent for two",
        "Waterproof, used on three trips, all pegs and poles present.",
        "other",
        "used",
        "210.00",
        "1",
    ),
];

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
    #[error("demo data is invalid: {0}")]
    Invalid(String),
    #[error(transparent)]
    Auth(#[from] super::auth::AuthError),
    #[error("demo pictures: {0}")]
    Pictures(#[from] PhotoError),
}

/// How big the demo marketplace is, in all. The hand-written part (30
/// listings, four members, six orders) is always there; anything above it
/// is generated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Scale {
    pub listings: usize,
    pub members: usize,
    pub orders: usize,
    /// Same seed and sizes, same data.
    pub seed: u64,
}

impl Default for Scale {
    fn default() -> Self {
        Self { listings: LISTINGS.len(), members: SELLERS.len() + 1, orders: DEMO_ORDERS, seed: 2026 }
    }
}

/// What seeding did.
#[derive(Debug, PartialEq, Eq)]
pub enum Seeded {
    Demo {
        members: usize,
        listings: usize,
        orders: usize,
    },
    /// The database already has members; nothing was added.
    AlreadyPopulated,
}

/// Told how far seeding has come, for a run at scale (100,000 listings take
/// minutes); the command line draws it, tests ignore it.
pub trait Progress: Sync {
    /// A step begins with `total` units of work (members, listings, orders).
    fn begin(&self, step: &'static str, total: u64);
    /// `done` units of the current step are finished.
    fn reached(&self, done: u64);
}

/// Reports nothing.
pub struct Quiet;

impl Progress for Quiet {
    fn begin(&self, _step: &'static str, _total: u64) {}
    fn reached(&self, _done: u64) {}
}

/// Fills an empty database with the demo marketplace; a database that has
/// any member is left as it is, so running this twice changes nothing.
pub async fn demo(
    db: &DatabaseConnection,
    media: &MediaStore,
    now: Millis,
    rules: &Rules,
    scale: &Scale,
) -> Result<Seeded, SeedError> {
    demo_reporting(db, media, now, rules, scale, &Quiet).await
}

/// [`demo`], telling `progress` how far it has come.
pub async fn demo_reporting(
    db: &DatabaseConnection,
    media: &MediaStore,
    now: Millis,
    rules: &Rules,
    scale: &Scale,
    progress: &dyn Progress,
) -> Result<Seeded, SeedError> {
    let mut rng = ChaCha8Rng::seed_from_u64(scale.seed);
    let password_hash = hash_password(DEMO_PASSWORD.to_owned()).await?;
    let pictures = {
        let media = media.clone();
        let mut rng = ChaCha8Rng::seed_from_u64(scale.seed);
        tokio::task::spawn_blocking(move || pictures::store_all(&media, &mut rng))
            .await
            .map_err(|_| PhotoError::Storage)??
    };
    let txn = begin_write(db).await?;
    if store::members::count(&txn).await? > 0 {
        return Ok(Seeded::AlreadyPopulated);
    }
    let mut seller_ids = Vec::new();
    for (email, name) in SELLERS.iter().chain([&DEMO_BUYER]) {
        let member =
            NewMember::parse(email, name, DEMO_PASSWORD).map_err(|e| SeedError::Invalid(e.to_string()))?;
        let created = store::members::create(&txn, &member, password_hash.clone(), now).await?;
        // Demo members stand for shoppers who confirmed their address.
        store::accounts::confirm_email(&txn, created.id, now).await?;
        seller_ids.push(created.id);
    }
    let mut listing_ids = Vec::new();
    // An hour apart, the first of the list the newest.
    for (age, (seller, title, description, category, condition, price, stock)) in LISTINGS.iter().enumerate()
    {
        let form = ListingForm {
            title: (*title).into(),
            description: (*description).into(),
            category: (*category).into(),
            condition: (*condition).into(),
            price: (*price).into(),
            stock: (*stock).into(),
        };
        let draft = ListingDraft::parse(&form).map_err(|e| SeedError::Invalid(format!("{title}: {e}")))?;
        let seller_id =
            seller_ids.get(*seller).copied().ok_or_else(|| SeedError::Invalid(title.to_string()))?;
        let listed_at = now - (age as Millis) * 3_600_000;
        listing_ids.push(store::listings::create(&txn, seller_id, &draft, listed_at).await?);
    }
    let buyer = seller_ids.last().copied().ok_or_else(|| SeedError::Invalid("no demo buyer".into()))?;
    let orders = demo_orders(&txn, buyer, &listing_ids, now, rules).await?;
    // Each hand-written listing gets its category's first picture.
    let mut photos = Vec::new();
    for (id, (seller, _, _, category, ..)) in listing_ids.iter().zip(LISTINGS.iter()) {
        let owner = seller_ids.get(*seller).copied().unwrap_or(buyer);
        if let Some(file) = picture_for(&pictures, category, 0) {
            photos.push((owner, *id, 0, file));
        }
    }
    store::photos::add_many(&txn, Purpose::Listing, &photos, now).await?;

    let members = generate_members(&txn, scale, &password_hash, &mut rng, now, progress).await?;
    let mut sellers = seller_ids.clone();
    sellers.extend(&members);
    let generated = generate_listings(&txn, scale, &sellers, &pictures, &mut rng, now, progress).await?;
    let mut buyers = members.clone();
    buyers.push(buyer);
    let generated_orders =
        generate_orders(&txn, scale, &buyers, &generated, &mut rng, now, rules, progress).await?;
    progress.begin("saving", 1);
    txn.commit().await?;
    store::search::settle_index(db).await?;
    progress.reached(1);
    Ok(Seeded::Demo {
        members: seller_ids.len() + members.len(),
        listings: LISTINGS.len() + generated.len(),
        orders: orders + generated_orders,
    })
}

fn picture_for<'a>(
    pictures: &'a [(Category, Vec<StoredFile>)],
    category_slug: &str,
    variant: usize,
) -> Option<&'a StoredFile> {
    pictures.iter().find(|(c, _)| c.slug() == category_slug).and_then(|(_, files)| files.get(variant))
}

/// Generated members share the demo password's hash: hashing thousands of
/// passwords would take minutes and prove nothing.
async fn generate_members(
    txn: &DatabaseTransaction,
    scale: &Scale,
    password_hash: &str,
    rng: &mut ChaCha8Rng,
    now: Millis,
    progress: &dyn Progress,
) -> Result<Vec<i64>, SeedError> {
    let count = scale.members.saturating_sub(SELLERS.len() + 1);
    progress.begin("members", count as u64);
    let members: Vec<(String, String, Millis)> = (1..=count)
        .map(|n| {
            let joined = now - rng.random_range(1..=700) * crate::domain::order::DAY;
            (format!("member{n}@crowd.demo.escrowmart.test"), text::member_name(rng), joined)
        })
        .collect();
    let created = store::members::create_many(txn, &members, password_hash).await?;
    progress.reached(count as u64);
    Ok(created)
}

async fn generate_listings(
    txn: &DatabaseTransaction,
    scale: &Scale,
    sellers: &[i64],
    pictures: &[(Category, Vec<StoredFile>)],
    rng: &mut ChaCha8Rng,
    now: Millis,
    progress: &dyn Progress,
) -> Result<Vec<(i64, i64)>, SeedError> {
    let count = scale.listings.saturating_sub(LISTINGS.len());
    progress.begin("listings", count as u64);
    // Older than the hand-written ones, a few minutes apart on average.
    let mut listed_at = now - (LISTINGS.len() as Millis) * 3_600_000;
    let mut created = Vec::with_capacity(count);
    let mut photos = Vec::new();
    for chunk_start in (0..count).step_by(BULK_CHUNK) {
        let chunk: Vec<BulkListing> = (chunk_start..count.min(chunk_start + BULK_CHUNK))
            .map(|_| {
                let generated = text::listing(rng);
                let seller = *sellers.choose(rng).unwrap_or(&sellers[0]);
                listed_at -= rng.random_range(10_000..600_000);
                BulkListing {
                    seller_id: seller,
                    title: generated.title,
                    description: generated.description,
                    category: generated.category,
                    condition: generated.condition,
                    price_fen: generated.price_fen,
                    stock: generated.stock,
                    listed_at,
                }
            })
            .collect();
        let ids = store::listings::create_many(txn, &chunk).await?;
        for (id, listing) in ids.into_iter().zip(&chunk) {
            created.push((id, listing.seller_id));
            // One to three pictures, starting from a varied one.
            let first = rng.random_range(0..pictures::PER_CATEGORY);
            for position in 0..rng.random_range(1..=3) {
                let variant = (first + position) % pictures::PER_CATEGORY;
                if let Some(file) = picture_for(pictures, listing.category.slug(), variant) {
                    photos.push((listing.seller_id, id, position as i32, file));
                }
            }
        }
        if photos.len() >= BULK_CHUNK {
            store::photos::add_many(txn, Purpose::Listing, &photos, now).await?;
            photos.clear();
        }
        progress.reached(created.len() as u64);
    }
    store::photos::add_many(txn, Purpose::Listing, &photos, now).await?;
    Ok(created)
}

/// Orders spread over the states, each a buyer's real journey: a bank
/// top-up for the price, then the events that bring it where it is.
#[allow(clippy::too_many_arguments)]
async fn generate_orders(
    txn: &DatabaseTransaction,
    scale: &Scale,
    buyers: &[i64],
    listings: &[(i64, i64)],
    rng: &mut ChaCha8Rng,
    now: Millis,
    rules: &Rules,
    progress: &dyn Progress,
) -> Result<usize, SeedError> {
    let count = scale.orders.saturating_sub(DEMO_ORDERS);
    progress.begin("orders", count as u64);
    let mut placed = 0;
    let mut attempts = 0;
    while placed < count && attempts < count * 3 && !listings.is_empty() {
        attempts += 1;
        let &(listing_id, seller) = listings.choose(rng).unwrap_or(&listings[0]);
        let buyer = *buyers.choose(rng).unwrap_or(&buyers[0]);
        let Some(listing) = store::listings::find(txn, listing_id).await? else { continue };
        if buyer == seller || listing.stock == 0 {
            continue;
        }
        // Recent enough that no deadline has passed: the worker leaves them be.
        let script = ORDER_SCRIPTS.choose(rng).unwrap_or(&ORDER_SCRIPTS[0]);
        // An unpaid order expires in half an hour, so those are minutes old.
        let mut at = if script.is_empty() {
            now - rng.random_range(1..=20) * 60_000
        } else {
            now - rng.random_range(1..=36) * 3_600_000
        };
        if script.first().is_some_and(|(event, _)| *event == Step::Pay) {
            bank_top_up(txn, buyer, listing.price, at - 60_000, rules).await?;
        }
        let order_id = place(txn, buyer, listing_id, 1, at, rules).await?;
        for (step, by_buyer) in script.iter() {
            at += 600_000;
            let event = step.event(listing.price);
            let actor = Actor::Member(if *by_buyer { buyer } else { seller });
            order_step(txn, actor, order_id, event, at, rules).await?;
        }
        placed += 1;
        if placed % 100 == 0 {
            progress.reached(placed as u64);
        }
    }
    progress.reached(placed as u64);
    Ok(placed)
}

/// One step of a generated order's story.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    Pay,
    Cancel,
    Ship,
    SellerCancel,
    Confirm,
    AskPartRefund,
    Agree,
    Refuse,
    Escalate,
}

impl Step {
    fn event(self, price: Money) -> Event {
        match self {
            Step::Pay => Event::Pay,
            Step::Cancel => Event::Cancel,
            Step::Ship => {
                Event::Ship(Shipment { carrier: DEMO_CARRIER.into(), tracking: "SF1400286913".into() })
            }
            Step::SellerCancel => Event::SellerCancel,
            Step::Confirm => Event::ConfirmReceipt,
            Step::AskPartRefund => Event::RequestRefund {
                kind: RefundKind::RefundOnly,
                // A fifth back, at least a fen.
                amount: Money::from_fen((price.fen() / 5).max(1)).unwrap_or(price),
                reason: "收到时有一道划痕，商品描述里没有提到。".into(),
            },
            Step::Agree => Event::AgreeRefund,
            Step::Refuse => {
                Event::RefuseRefund { reason: "发货时没有划痕，有打包照片为证。".into() }
            }
            Step::Escalate => Event::Escalate,
        }
    }
}

/// (step, whether the buyer takes it); completed orders are the most common.
const ORDER_SCRIPTS: &[&[(Step, bool)]] = &[
    &[],
    &[(Step::Cancel, true)],
    &[(Step::Pay, true)],
    &[(Step::Pay, true), (Step::Ship, false)],
    &[(Step::Pay, true), (Step::Ship, false), (Step::Confirm, true)],
    &[(Step::Pay, true), (Step::Ship, false), (Step::Confirm, true)],
    &[(Step::Pay, true), (Step::Ship, false), (Step::Confirm, true)],
    &[(Step::Pay, true), (Step::SellerCancel, false)],
    &[(Step::Pay, true), (Step::Ship, false), (Step::AskPartRefund, true)],
    &[(Step::Pay, true), (Step::Ship, false), (Step::AskPartRefund, true), (Step::Agree, false)],
    &[(Step::Pay, true), (Step::Ship, false), (Step::AskPartRefund, true), (Step::Refuse, false)],
    &[
        (Step::Pay, true),
        (Step::Ship, false),
        (Step::AskPartRefund, true),
        (Step::Refuse, false),
        (Step::Escalate, true),
    ],
];

/// Rows per multi-row INSERT: well under SQLite's limit on bound values.
const BULK_CHUNK: usize = 1_000;
const DEMO_ORDERS: usize = 6;

/// (listing index, quantity, then each event and whether the buyer does it)
type OrderScript = (usize, u32, Vec<(Event, bool)>);

/// The demo buyer's history: a bank top-up, then orders in several states,
/// each moved there by the same rules and ledger the app uses.
async fn demo_orders(
    txn: &DatabaseTransaction,
    buyer: i64,
    listing_ids: &[i64],
    now: Millis,
    rules: &Rules,
) -> Result<usize, SeedError> {
    const DAY: Millis = crate::domain::order::DAY;
    let started = now - 3 * DAY;
    let top_up = Money::parse("8000").map_err(|e| SeedError::Invalid(e.to_string()))?;
    bank_top_up(txn, buyer, top_up, started, rules).await?;

    let shipment = || Event::Ship(Shipment { carrier: DEMO_CARRIER.into(), tracking: "SF1400286913".into() });
    let scripts: Vec<OrderScript> = vec![
        (16, 1, vec![(Event::Pay, true), (shipment(), false), (Event::ConfirmReceipt, true)]),
        (1, 1, vec![(Event::Pay, true), (shipment(), false)]),
        (12, 2, vec![(Event::Pay, true)]),
        (13, 1, vec![]),
        (8, 1, vec![(Event::Cancel, true)]),
        (10, 1, vec![(Event::Pay, true), (Event::SellerCancel, false)]),
    ];
    let count = scripts.len();
    for (n, (listing, quantity, events)) in scripts.into_iter().enumerate() {
        let listing_id =
            listing_ids.get(listing).copied().ok_or_else(|| SeedError::Invalid("listing".into()))?;
        let mut at = started + (n as Millis) * 3_600_000;
        if events.is_empty() {
            // Still awaiting payment: placed just now, so it does not expire at once.
            at = now;
        }
        let order_id = place(txn, buyer, listing_id, quantity, at, rules).await?;
        let seller = store::orders::find(txn, order_id).await?.map(|r| r.order.seller).unwrap_or_default();
        for (step, (event, by_buyer)) in events.into_iter().enumerate() {
            // Paid ten minutes after ordering, then a step every six hours.
            at += if step == 0 { 600_000 } else { 6 * 3_600_000 };
            let actor = Actor::Member(if by_buyer { buyer } else { seller });
            order_step(txn, actor, order_id, event, at, rules).await?;
        }
    }
    Ok(count)
}

/// A buyer's top-up, made and confirmed as the bank would: through the
/// store's one door, like every change in the demo data.
async fn bank_top_up(
    txn: &DatabaseTransaction,
    buyer: i64,
    amount: Money,
    at: Millis,
    rules: &Rules,
) -> Result<(), SeedError> {
    let start = Command::StartBank { kind: OperationKind::TopUp, amount, pay_order_id: None };
    let started = commands::execute(txn, Actor::Member(buyer), None, start, at, rules).await?;
    let Outcome::Bank { reference, .. } = started.outcome else {
        return Err(SeedError::Invalid("a top-up started nothing".into()));
    };
    let confirm = Command::SettleBank { reference, verdict: BankVerdict::Confirmed };
    commands::execute(txn, Actor::Bank, None, confirm, at, rules).await?;
    Ok(())
}

async fn place(
    txn: &DatabaseTransaction,
    buyer: i64,
    listing_id: i64,
    quantity: u32,
    at: Millis,
    rules: &Rules,
) -> Result<i64, SeedError> {
    let command = Command::PlaceOrder { listing_id, quantity, shipping_address: DEMO_ADDRESS.into() };
    match commands::execute(txn, Actor::Member(buyer), None, command, at, rules).await?.outcome {
        Outcome::Order(order_id) => Ok(order_id),
        _ => Err(SeedError::Invalid("placing an order placed nothing".into())),
    }
}

async fn order_step(
    txn: &DatabaseTransaction,
    actor: Actor,
    order_id: i64,
    event: Event,
    at: Millis,
    rules: &Rules,
) -> Result<(), SeedError> {
    let command = Command::Order { order_id, event, photos: Vec::new() };
    commands::execute(txn, actor, None, command, at, rules).await?;
    Ok(())
}

// What the demo members typed, in the language of the shoppers the demo is
// for; member content is shown as typed in either language, the words
// around it follow the reader.
const DEMO_ADDRESS: &str = "浙江省杭州市西湖区文三路18号 陈杰 310012 138 0000 0000";
const DEMO_CARRIER: &str = "顺丰速运";
