//! Believable listing text, in Chinese and in English, for every category.
//! Deterministic: the same random number generator state gives the same
//! listing.

use rand::Rng;
use rand::seq::IndexedRandom;

use crate::domain::listing::{Category, Condition};

/// (English item, Chinese item, lowest and highest price in yuan)
type Item = (&'static str, &'static str, u32, u32);

struct Pool {
    brands: &'static [(&'static str, &'static str)],
    items: &'static [Item],
    details_en: &'static [&'static str],
    details_zh: &'static [&'static str],
}

const DIGITAL: Pool = Pool {
    brands: &[
        ("Apple", "苹果"),
        ("Xiaomi", "小米"),
        ("Huawei", "华为"),
        ("Sony", "索尼"),
        ("Lenovo", "联想"),
        ("Canon", "佳能"),
        ("DJI", "大疆"),
        ("OPPO", "OPPO"),
    ],
    items: &[
        ("phone", "手机", 400, 6000),
        ("laptop", "笔记本电脑", 1500, 9000),
        ("tablet", "平板电脑", 600, 5000),
        ("wireless earbuds", "无线耳机", 80, 1500),
        ("smartwatch", "智能手表", 200, 2500),
        ("mirrorless camera", "微单相机", 2000, 12000),
        ("drone", "无人机", 1200, 6000),
        ("27-inch monitor", "27寸显示器", 600, 3000),
        ("mechanical keyboard", "机械键盘", 100, 900),
        ("power bank 20000 mAh", "充电宝 20000毫安", 50, 300),
    ],
    details_en: &[
        "Battery health is above 90% and it holds a charge all day.",
        "Screen has no scratches; it has lived in a case since day one.",
        "Comes with the original box, cable and charger.",
        "Factory reset and ready for its next owner.",
        "A tiny mark on the back corner, shown in the photos.",
        "Bought from the official store; the receipt is included.",
    ],
    details_zh: &[
        "电池健康度九成以上，续航一整天没问题。",
        "屏幕无划痕，一直戴着保护壳使用。",
        "原装盒子、数据线和充电器都在。",
        "已恢复出厂设置，可以直接使用。",
        "背面边角有一点小磕碰，见图。",
        "官方旗舰店购买，有发票。",
    ],
};

const HOME_APPLIANCES: Pool = Pool {
    brands: &[
        ("Midea", "美的"),
        ("Gree", "格力"),
        ("Philips", "飞利浦"),
        ("Haier", "海尔"),
        ("Supor", "苏泊尔"),
        ("Dyson", "戴森"),
    ],
    items: &[
        ("rice cooker", "电饭煲", 80, 800),
        ("air fryer", "空气炸锅", 100, 600),
        ("standing fan", "落地扇", 60, 400),
        ("robot vacuum", "扫地机器人", 400, 3000),
        ("microwave oven", "微波炉", 150, 900),
        ("air purifier", "空气净化器", 300, 2500),
        ("electric kettle", "电热水壶", 40, 300),
        ("hair dryer", "吹风机", 80, 2500),
    ],
    details_en: &[
        "Works perfectly; I am moving abroad and cannot take it.",
        "Used for one season, cleaned and descaled.",
        "All accessories and the manual are included.",
        "Quiet, energy class A, no smells or noises.",
        "Pick-up in person is welcome, or shipped well packed.",
    ],
    details_zh: &[
        "功能完好，因为出国搬家转让。",
        "只用了一个季度，已清洁除垢。",
        "配件和说明书齐全。",
        "一级能效，运行安静无异味。",
        "可以同城自提，也可以包装好寄出。",
    ],
};

const DAILY_GOODS: Pool = Pool {
    brands: &[
        ("Muji", "无印良品"),
        ("IKEA", "宜家"),
        ("Lock&Lock", "乐扣乐扣"),
        ("Thermos", "膳魔师"),
        ("Zojirushi", "象印"),
    ],
    items: &[
        ("vacuum flask 500 ml", "保温杯 500ml", 40, 250),
        ("storage boxes, set of 4", "收纳箱 四件套", 30, 200),
        ("bath towels, pair", "浴巾两条装", 30, 150),
        ("ceramic dinner set", "陶瓷餐具套装", 60, 500),
        ("desk lamp", "台灯", 40, 400),
        ("umbrella, automatic", "自动雨伞", 20, 150),
        ("lunch box", "便当盒", 20, 120),
    ],
    details_en: &[
        "Never used, still in its wrapping.",
        "A duplicate gift; the colour is exactly as pictured.",
        "Lightly used and washed.",
        "Sturdy and easy to clean.",
    ],
    details_zh: &[
        "全新未使用，包装都在。",
        "朋友送的重复礼物，颜色如图。",
        "轻微使用，已清洗干净。",
        "结实耐用，好清洁。",
    ],
};

const CARS: Pool = Pool {
    brands: &[
        ("Volkswagen", "大众"),
        ("Toyota", "丰田"),
        ("BYD", "比亚迪"),
        ("Honda", "本田"),
        ("Tesla", "特斯拉"),
    ],
    items: &[
        ("roof box 400 L", "车顶行李箱 400升", 500, 2500),
        ("child car seat", "儿童安全座椅", 300, 2000),
        ("winter tyres, set of 4", "冬季轮胎 四条", 1200, 4000),
        ("dash camera", "行车记录仪", 150, 900),
        ("floor mats", "脚垫", 80, 600),
        ("used hatchback, 2018", "二手两厢车 2018年", 30000, 90000),
    ],
    details_en: &[
        "Fits most models from 2015 on; ask me about yours.",
        "Full service history available.",
        "Collected in person preferred; shipping possible.",
        "No accidents, always garaged.",
    ],
    details_zh: &[
        "适配2015年以后的大部分车型，可咨询。",
        "保养记录齐全。",
        "最好自提，也可以发物流。",
        "无事故，一直停地库。",
    ],
};

const CLOTHING: Pool = Pool {
    brands: &[
        ("Uniqlo", "优衣库"),
        ("Li-Ning", "李宁"),
        ("Anta", "安踏"),
        ("Nike", "耐克"),
        ("Bosideng", "波司登"),
        ("Zara", "Zara"),
    ],
    items: &[
        ("down jacket", "羽绒服", 150, 1500),
        ("running shoes", "跑步鞋", 100, 900),
        ("wool coat", "羊毛大衣", 200, 2000),
        ("hoodie", "连帽卫衣", 60, 400),
        ("jeans", "牛仔裤", 60, 500),
        ("silk qipao", "真丝旗袍", 300, 2500),
    ],
    details_en: &[
        "Size M, fits true to size.",
        "Worn twice; no stains or pilling.",
        "Tags still attached.",
        "From a smoke-free, pet-free home.",
    ],
    details_zh: &["M码，尺码标准。", "只穿过两次，无污渍无起球。", "吊牌还在。", "无烟无宠物家庭。"],
};

const BOOKS: Pool = Pool {
    brands: &[("", "")],
    items: &[
        ("The Three-Body Problem, hardcover", "三体 精装版", 30, 150),
        ("Dream of the Red Chamber, boxed set", "红楼梦 全套", 50, 300),
        ("Rust in Action", "Rust 实战", 40, 150),
        ("Learn Chinese in 30 days", "三十天学中文", 20, 80),
        ("Children's picture books, 10 titles", "儿童绘本 十本", 40, 200),
        ("Calligraphy copybook set", "书法字帖套装", 20, 120),
        ("Fortress Besieged", "围城", 15, 60),
    ],
    details_en: &[
        "Read once, no notes or highlights.",
        "Spine uncracked; a small shelf mark on the cover.",
        "From my own shelves; happy to bundle with other books.",
    ],
    details_zh: &[
        "只读过一遍，没有笔记和划线。",
        "书脊完好，封面有一点书架压痕。",
        "自家藏书，可以和其他书一起打包。",
    ],
};

const OTHER: Pool = Pool {
    brands: &[("Decathlon", "迪卡侬"), ("Yamaha", "雅马哈"), ("LEGO", "乐高"), ("Giant", "捷安特")],
    items: &[
        ("acoustic guitar", "民谣吉他", 300, 2500),
        ("camping tent, 3 person", "三人帐篷", 150, 900),
        ("building set", "积木套装", 100, 1500),
        ("road bike", "公路自行车", 1200, 8000),
        ("yoga mat", "瑜伽垫", 30, 200),
        ("tea set, Yixing clay", "宜兴紫砂茶具", 200, 2000),
    ],
    details_en: &[
        "In good working order, ready to use.",
        "Everything in the photos is included.",
        "Selling because I no longer have time for it.",
    ],
    details_zh: &["状态良好，拿来就能用。", "图中所有物品都包括在内。", "没时间玩了所以出掉。"],
};

fn pool(category: Category) -> &'static Pool {
    match category {
        Category::Digital => &DIGITAL,
        Category::HomeAppliances => &HOME_APPLIANCES,
        Category::DailyGoods => &DAILY_GOODS,
        Category::Cars => &CARS,
        Category::Clothing => &CLOTHING,
        Category::Books => &BOOKS,
        Category::Other => &OTHER,
    }
}

/// A generated listing's text and numbers, already within the listing rules.
pub struct GeneratedListing {
    pub category: Category,
    pub condition: Condition,
    pub title: String,
    pub description: String,
    pub price_fen: i64,
    pub stock: i32,
}

pub fn listing(rng: &mut impl Rng) -> GeneratedListing {
    let category = *Category::ALL.choose(rng).unwrap_or(&Category::Other);
    let condition = *Condition::ALL.choose(rng).unwrap_or(&Condition::Used);
    let pool = pool(category);
    let &(brand_en, brand_zh) = pool.brands.choose(rng).unwrap_or(&("", ""));
    let &(item_en, item_zh, low, high) = pool.items.choose(rng).unwrap_or(&("item", "物品", 10, 100));
    let chinese = rng.random_bool(0.5);
    let (title, description) = if chinese {
        let condition_zh = match condition {
            Condition::New => "全新",
            Condition::LikeNew => "九成新",
            Condition::Used => "二手",
            Condition::ForParts => "故障机 配件用",
        };
        let details = pick_sentences(rng, pool.details_zh);
        (format!("{condition_zh} {brand_zh}{item_zh}"), details.join(""))
    } else {
        let condition_en = match condition {
            Condition::New => "New",
            Condition::LikeNew => "Like new",
            Condition::Used => "Used",
            Condition::ForParts => "For parts",
        };
        let brand = if brand_en.is_empty() { String::new() } else { format!("{brand_en} ") };
        let details = pick_sentences(rng, pool.details_en);
        (format!("{condition_en}: {brand}{item_en}"), details.join(" "))
    };
    let yuan = rng.random_range(low..=high.max(low));
    // Prices people set: whole yuan, often ending in 9 or 0.
    let price_fen = i64::from(if rng.random_bool(0.5) { yuan / 10 * 10 + 9 } else { yuan }.max(1)) * 100;
    let stock = if rng.random_bool(0.08) { 0 } else { rng.random_range(1..=5) };
    GeneratedListing { category, condition, title, description, price_fen, stock }
}

fn pick_sentences<'a>(rng: &mut impl Rng, sentences: &'a [&'a str]) -> Vec<&'a str> {
    let count = rng.random_range(2..=3).min(sentences.len());
    sentences.choose_multiple(rng, count).copied().collect()
}

const SURNAMES: [&str; 16] = [
    "Wang 王",
    "Li 李",
    "Zhang 张",
    "Liu 刘",
    "Chen 陈",
    "Yang 杨",
    "Huang 黄",
    "Zhao 赵",
    "Wu 吴",
    "Zhou 周",
    "Xu 徐",
    "Sun 孙",
    "Ma 马",
    "Zhu 朱",
    "Hu 胡",
    "Guo 郭",
];
const GIVEN: [&str; 16] = [
    "Wei 伟",
    "Fang 芳",
    "Na 娜",
    "Min 敏",
    "Jing 静",
    "Lei 磊",
    "Qiang 强",
    "Yang 洋",
    "Yan 艳",
    "Jun 军",
    "Jie 杰",
    "Tao 涛",
    "Ming 明",
    "Chao 超",
    "Xia 霞",
    "Ping 平",
];

/// A member's display name, like `Zhou 周 Ming 明`.
pub fn member_name(rng: &mut impl Rng) -> String {
    let surname = SURNAMES.choose(rng).unwrap_or(&SURNAMES[0]);
    let given = GIVEN.choose(rng).unwrap_or(&GIVEN[0]);
    format!("{surname} {given}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::listing::{ListingDraft, ListingForm};
    use crate::domain::money::Money;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn every_generated_listing_passes_the_listing_rules() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for _ in 0..5_000 {
            let generated = listing(&mut rng);
            let price = Money::from_fen(generated.price_fen).unwrap_or_else(|e| panic!("{e}"));
            let form = ListingForm {
                title: generated.title.clone(),
                description: generated.description.clone(),
                category: generated.category.slug().into(),
                condition: generated.condition.slug().into(),
                price: price.amount_text(),
                stock: generated.stock.to_string(),
            };
            if let Err(errors) = ListingDraft::parse(&form) {
                panic!("{}: {errors:?}", generated.title);
            }
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_listings() {
        let titles = |seed| {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            (0..50).map(|_| listing(&mut rng).title).collect::<Vec<_>>()
        };
        assert_eq!(titles(1), titles(1));
        assert_ne!(titles(1), titles(2));
    }
}
