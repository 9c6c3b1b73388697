//! Photos people upload: checked, decoded, re-encoded (which drops EXIF and
//! every other piece of metadata), resized to a display size and a
//! thumbnail, and stored under random names in the media folder.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use image::codecs::jpeg::JpegEncoder;
use image::{DynamicImage, ImageFormat, ImageReader, Limits};

use super::store::photos::StoredFile;

pub const MAX_BYTES: usize = 5 * 1024 * 1024;
/// Checked from the header before decoding, so a small file that would
/// unpack into gigabytes (a decompression bomb) is refused cheaply.
pub const MAX_SIDE: u32 = 10_000;
pub const MAX_PIXELS: u64 = 40_000_000;
const DISPLAY_SIDE: u32 = crate::domain::listing::PHOTO_DISPLAY_SIDE;
const THUMB_SIDE: u32 = crate::domain::listing::PHOTO_THUMB_SIDE;
const JPEG_QUALITY: u8 = 85;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PhotoError {
    #[error("A photo can be at most 5 MB")]
    TooLarge,
    #[error("That file is not a JPEG, PNG or WebP image")]
    NotAnImage,
    #[error("That image is too large: at most {MAX_SIDE} pixels a side and 40 megapixels")]
    TooManyPixels,
    #[error("That image could not be read; it may be damaged")]
    Undecodable,
    #[error("The photo could not be saved; please try again")]
    Storage,
}

impl PhotoError {
    /// Why, in a language.
    pub fn message(&self, l: crate::language::Locale) -> String {
        use crate::i18n::td_string;
        match self {
            PhotoError::TooLarge => td_string!(l, photo.too_large).into(),
            PhotoError::NotAnImage => td_string!(l, photo.not_an_image).into(),
            PhotoError::TooManyPixels => td_string!(l, photo.too_many_pixels, side = MAX_SIDE),
            PhotoError::Undecodable => td_string!(l, photo.unreadable).into(),
            PhotoError::Storage => td_string!(l, photo.not_saved).into(),
        }
    }
}

/// A photo ready to write: the display size and the thumbnail as JPEG.
#[derive(Debug)]
pub struct ProcessedPhoto {
    pub display: Vec<u8>,
    pub thumbnail: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// Checks and converts an upload. CPU-heavy: call it off the async threads.
pub fn process(bytes: &[u8]) -> Result<ProcessedPhoto, PhotoError> {
    if bytes.len() > MAX_BYTES {
        return Err(PhotoError::TooLarge);
    }
    let reader =
        ImageReader::new(Cursor::new(bytes)).with_guessed_format().map_err(|_| PhotoError::NotAnImage)?;
    match reader.format() {
        Some(ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP) => {}
        _ => return Err(PhotoError::NotAnImage),
    }
    let (width, height) = reader.into_dimensions().map_err(|_| PhotoError::Undecodable)?;
    if width == 0 || height == 0 {
        return Err(PhotoError::Undecodable);
    }
    if width > MAX_SIDE || height > MAX_SIDE || u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(PhotoError::TooManyPixels);
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_PIXELS * 4 * 2);
    let mut reader =
        ImageReader::new(Cursor::new(bytes)).with_guessed_format().map_err(|_| PhotoError::NotAnImage)?;
    reader.limits(limits);
    let image = reader.decode().map_err(|_| PhotoError::Undecodable)?;
    prepare(&image)
}

/// The display size and thumbnail of a decoded image, as JPEG.
pub fn prepare(image: &DynamicImage) -> Result<ProcessedPhoto, PhotoError> {
    let display = fit(image, DISPLAY_SIDE);
    let thumbnail = fit(image, THUMB_SIDE);
    Ok(ProcessedPhoto {
        width: display.width(),
        height: display.height(),
        display: jpeg(&display)?,
        thumbnail: jpeg(&thumbnail)?,
    })
}

fn fit(image: &DynamicImage, side: u32) -> DynamicImage {
    if image.width() <= side && image.height() <= side { image.clone() } else { image.thumbnail(side, side) }
}

fn jpeg(image: &DynamicImage) -> Result<Vec<u8>, PhotoError> {
    let mut out = Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(image.to_rgb8())
        .write_with_encoder(JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY))
        .map_err(|_| PhotoError::Undecodable)?;
    Ok(out.into_inner())
}

/// The media folder, served at `/media/`, and the photos answered lately.
#[derive(Clone, Debug)]
pub struct MediaStore {
    dir: PathBuf,
    recent: moka::sync::Cache<String, axum::body::Bytes>,
}

/// What the photos kept in memory may weigh together: about 500 of the
/// ~30 KB thumbnails that cards show, or 100 display-size photos.
const RECENT_BYTES: u64 = 16 * 1024 * 1024;
/// A photo deleted on another instance of a cluster is answered by this one
/// for at most this long (this instance forgets its own at once).
const RECENT_FOR: std::time::Duration = std::time::Duration::from_secs(60);

impl MediaStore {
    pub fn new(dir: PathBuf) -> Self {
        let recent = moka::sync::Cache::builder()
            .max_capacity(RECENT_BYTES)
            .weigher(|name: &String, photo: &axum::body::Bytes| {
                u32::try_from(name.len() + photo.len()).unwrap_or(u32::MAX)
            })
            .time_to_live(RECENT_FOR)
            .build();
        Self { dir, recent }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A stored photo's bytes by its file name (`{name}.jpg`, `{name}_t.jpg`),
    /// from memory when it was answered lately. Photos never change under a
    /// name, so what is kept is never stale; a name that is not one of ours
    /// is not looked for on the disk at all.
    pub async fn photo(&self, file_name: &str) -> Option<axum::body::Bytes> {
        let stem = file_name.strip_suffix(".jpg")?;
        if !is_our_name(stem) {
            return None;
        }
        if let Some(photo) = self.recent.get(file_name) {
            return Some(photo);
        }
        let photo = match tokio::fs::read(self.dir.join(file_name)).await {
            Ok(photo) => axum::body::Bytes::from(photo),
            Err(error) => {
                if error.kind() != std::io::ErrorKind::NotFound {
                    tracing::warn!(%error, file_name, "could not read a photo file");
                }
                return None;
            }
        };
        self.recent.insert(file_name.to_owned(), photo.clone());
        Some(photo)
    }

    /// Processes an upload off the async threads and writes both sizes under
    /// a fresh random name.
    pub async fn store(&self, bytes: Vec<u8>) -> Result<StoredFile, PhotoError> {
        let processed =
            tokio::task::spawn_blocking(move || process(&bytes)).await.map_err(|_| PhotoError::Storage)??;
        let file = uuid::Uuid::new_v4().simple().to_string();
        tokio::fs::create_dir_all(&self.dir).await.map_err(|_| PhotoError::Storage)?;
        tokio::fs::write(self.dir.join(format!("{file}.jpg")), &processed.display)
            .await
            .map_err(|_| PhotoError::Storage)?;
        tokio::fs::write(self.dir.join(format!("{file}_t.jpg")), &processed.thumbnail)
            .await
            .map_err(|_| PhotoError::Storage)?;
        Ok(StoredFile { file, width: processed.width, height: processed.height })
    }

    /// Deletes both sizes of a stored photo. A file already gone is not an
    /// error: the record that named it is what matters, and it is gone too.
    pub async fn delete(&self, file: &str) {
        if !is_our_name(file) {
            return;
        }
        for name in [format!("{file}.jpg"), format!("{file}_t.jpg")] {
            if let Err(error) = tokio::fs::remove_file(self.dir.join(&name)).await
                && error.kind() != std::io::ErrorKind::NotFound
            {
                tracing::warn!(%error, name, "could not delete a photo file");
            }
            // After the file is gone; a read that began before may still put
            // it back, for RECENT_FOR at most.
            self.recent.invalidate(&name);
        }
    }

    /// Writes an already-made JPEG pair under a given name (demo data).
    pub fn write_generated(&self, file: &str, photo: &ProcessedPhoto) -> std::io::Result<StoredFile> {
        std::fs::create_dir_all(&self.dir)?;
        std::fs::write(self.dir.join(format!("{file}.jpg")), &photo.display)?;
        std::fs::write(self.dir.join(format!("{file}_t.jpg")), &photo.thumbnail)?;
        Ok(StoredFile { file: file.to_owned(), width: photo.width, height: photo.height })
    }
}

/// Names are ours (hex, or a demo photo's name), but never let one walk out
/// of the folder.
fn is_our_name(file: &str) -> bool {
    !file.is_empty() && file.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// The URL of a stored photo: the display size, or the thumbnail.
pub fn url(file: &str, thumbnail: bool) -> String {
    if thumbnail { format!("/media/{file}_t.jpg") } else { format!("/media/{file}.jpg") }
}

#[cfg(test)]
pub mod tests {
    use super::*;
    use image::{ImageBuffer, Rgb};

    /// A real PNG of the given size.
    pub fn png(width: u32, height: u32) -> Vec<u8> {
        let image = ImageBuffer::from_fn(width, height, |x, y| Rgb([(x % 256) as u8, (y % 256) as u8, 128]));
        let mut out = Cursor::new(Vec::new());
        let _ = DynamicImage::ImageRgb8(image).write_to(&mut out, ImageFormat::Png);
        out.into_inner()
    }

    #[test]
    fn a_photo_is_re_encoded_as_jpeg_at_display_and_thumbnail_sizes() {
        let photo = process(&png(2_000, 1_000)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((photo.width, photo.height), (1_600, 800));
        assert!(photo.display.starts_with(&[0xFF, 0xD8]), "JPEG");
        let thumb = image::load_from_memory(&photo.thumbnail).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((thumb.width(), thumb.height()), (400, 200));
    }

    #[test]
    fn the_thumbnail_width_pages_announce_is_the_width_stored() {
        for (width, height) in
            [(1_600, 900), (333, 1_000), (1_000, 333), (399, 401), (401, 399), (40, 30), (1_600, 3)]
        {
            let photo = prepare(&DynamicImage::new_rgb8(width, height)).unwrap_or_else(|e| panic!("{e}"));
            let thumb = image::load_from_memory(&photo.thumbnail).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(
                crate::domain::listing::thumb_width(photo.width, photo.height),
                thumb.width(),
                "{width}x{height}"
            );
        }
    }

    #[test]
    fn a_renamed_executable_is_not_an_image() {
        let elf = b"\x7fELF\x02\x01\x01\x00 not really a picture".to_vec();
        assert_eq!(process(&elf).err(), Some(PhotoError::NotAnImage));
        assert_eq!(process(b"GIF89a....").err(), Some(PhotoError::NotAnImage));
    }

    #[test]
    fn an_oversize_file_is_refused_before_anything_else() {
        assert_eq!(process(&vec![0u8; MAX_BYTES + 1]).err(), Some(PhotoError::TooLarge));
    }

    #[test]
    fn a_20000_by_20000_image_is_refused_from_its_header() {
        // A PNG header claiming 20000×20000 pixels: 1.6 GB if decoded.
        let mut bomb = png(1, 1);
        bomb[16..20].copy_from_slice(&20_000u32.to_be_bytes());
        bomb[20..24].copy_from_slice(&20_000u32.to_be_bytes());
        // A valid checksum, so only the size can be the reason for refusal.
        let crc = crc32(&bomb[12..29]);
        bomb[29..33].copy_from_slice(&crc.to_be_bytes());
        assert_eq!(process(&bomb).err(), Some(PhotoError::TooManyPixels));
    }

    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for byte in bytes {
            crc ^= u32::from(*byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }

    #[test]
    fn a_truncated_image_is_undecodable() {
        let truncated = png(50, 50)[..60].to_vec();
        assert!(matches!(process(&truncated), Err(PhotoError::Undecodable | PhotoError::NotAnImage)));
    }
}
