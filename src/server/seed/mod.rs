//! Demo data: a small believable marketplace for trying the app.

use sea_orm::{DatabaseConnection, DatabaseTransaction};

use super::auth::hash_password;
use super::clock::Millis;
use super::db::begin_write;
use super::store::bank::BankVerdict;
use super::store::orders::Actor;
use super::store::{self, StoreError};
use crate::domain::account::NewMember;
use crate::domain::listing::{ListingDraft, ListingForm};
use crate::domain::money::Money;
use crate::domain::order::{Event, Rules, Shipment};

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

/// Fills an empty database with the demo marketplace; a database that has
/// any member is left as it is, so running this twice changes nothing.
pub async fn demo(db: &DatabaseConnection, now: Millis, rules: &Rules) -> Result<Seeded, SeedError> {
    let password_hash = hash_password(DEMO_PASSWORD.to_owned()).await?;
    let txn = begin_write(db).await?;
    if store::members::count(&txn).await? > 0 {
        return Ok(Seeded::AlreadyPopulated);
    }
    let mut seller_ids = Vec::new();
    for (email, name) in SELLERS.iter().chain([&DEMO_BUYER]) {
        let member =
            NewMember::parse(email, name, DEMO_PASSWORD).map_err(|e| SeedError::Invalid(e.to_string()))?;
        let created = store::members::create(&txn, &member, password_hash.clone(), now).await?;
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
    txn.commit().await?;
    Ok(Seeded::Demo { members: seller_ids.len(), listings: LISTINGS.len(), orders })
}

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
    store::bank::create_top_up(txn, buyer, top_up, None, "demo-top-up-1", started).await?;
    store::bank::settle_in(txn, "demo-top-up-1", BankVerdict::Confirmed, started, rules).await?;

    let shipment = || Event::Ship(Shipment { carrier: "SF Express".into(), tracking: "SF1400286913".into() });
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
        let order_id =
            store::orders::place_in(txn, buyer, listing_id, quantity, DEMO_ADDRESS, at, rules).await?;
        let seller = store::orders::find(txn, order_id).await?.map(|r| r.order.seller).unwrap_or_default();
        for (step, (event, by_buyer)) in events.into_iter().enumerate() {
            // Paid ten minutes after ordering, then a step every six hours.
            at += if step == 0 { 600_000 } else { 6 * 3_600_000 };
            let actor = Actor::Member(if by_buyer { buyer } else { seller });
            store::orders::apply_event_in(txn, order_id, &event, actor, at, rules).await?;
        }
    }
    Ok(count)
}

const DEMO_ADDRESS: &str = "Chen Jie, 18 Wensan Road, Xihu District, Hangzhou 310012, 138 0000 0000";
