//! Pictures for demo listings, drawn rather than shipped: a few per
//! category, each a coloured backdrop with a simple shape, so the demo shop
//! looks like a shop without carrying a folder of photos.

use image::{DynamicImage, Rgb, RgbImage};
use rand::Rng;

use crate::domain::listing::Category;
use crate::server::media::{MediaStore, PhotoError, prepare};
use crate::server::store::photos::StoredFile;

pub const PER_CATEGORY: usize = 3;
const SIDE: u32 = 640;

fn backdrop(category: Category) -> [u8; 3] {
    match category {
        Category::Digital => [52, 84, 140],
        Category::HomeAppliances => [196, 120, 64],
        Category::DailyGoods => [88, 150, 110],
        Category::Cars => [120, 120, 128],
        Category::Clothing => [170, 70, 110],
        Category::Books => [150, 110, 70],
        Category::Other => [90, 90, 160],
    }
}

fn draw(category: Category, variant: usize, rng: &mut impl Rng) -> DynamicImage {
    let [r, g, b] = backdrop(category);
    let accent = [rng.random_range(200..=255), rng.random_range(180..=255), rng.random_range(120..=255)];
    let centre = (SIDE / 2) as i64;
    let size = i64::from(rng.random_range(SIDE / 6..SIDE / 3));
    let image = RgbImage::from_fn(SIDE, SIDE, |x, y| {
        let (dx, dy) = (i64::from(x) - centre, i64::from(y) - centre);
        let inside = match variant % PER_CATEGORY {
            0 => dx * dx + dy * dy < size * size,
            1 => dx.abs() < size && dy.abs() < size * 2 / 3,
            _ => (dx.abs() + dy.abs()) < size,
        };
        if inside {
            Rgb(accent)
        } else {
            // A soft vertical gradient, lighter at the top, like a studio shot.
            let shade = (y * 60 / SIDE) as u8;
            Rgb([r.saturating_add(60 - shade), g.saturating_add(60 - shade), b.saturating_add(60 - shade)])
        }
    });
    DynamicImage::ImageRgb8(image)
}

/// Draws and stores the pictures of every category; the names are fixed, so
/// seeding again reuses them.
pub fn store_all(
    media: &MediaStore,
    rng: &mut impl Rng,
) -> Result<Vec<(Category, Vec<StoredFile>)>, PhotoError> {
    let mut all = Vec::new();
    for &category in Category::ALL {
        let mut files = Vec::new();
        for variant in 0..PER_CATEGORY {
            let photo = prepare(&draw(category, variant, rng))?;
            let name = format!("demo-{}-{variant}", category.slug());
            files.push(media.write_generated(&name, &photo).map_err(|_| PhotoError::Storage)?);
        }
        all.push((category, files));
    }
    Ok(all)
}
