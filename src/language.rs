//! The two languages the app speaks, Simplified Chinese and English: which
//! one a request gets, and the few rules about counting and dates that the
//! translation files cannot hold.
//!
//! A request's language is, in order: the `lang` cookie the header's
//! switcher sets, the first language of `Accept-Language` we speak, and
//! Chinese. Pages (through `I18nContextProvider`), server functions and the
//! plain handlers (CSV, e-mail) all resolve it with [`Locale::find_locale`],
//! so they agree.

pub use crate::i18n::Locale;
use leptos_i18n::Locale as _;

/// The cookie that remembers the switcher's choice.
pub const COOKIE: &str = "lang";
/// A year: the choice outlives sessions and sign-outs.
pub const COOKIE_MAX_AGE_SECS: u64 = 365 * 24 * 60 * 60;

/// The language of the page being rendered. Read once, untracked: a change
/// of language is a full page load (see the switcher), never a re-render.
pub fn current() -> Locale {
    crate::i18n::use_i18n().get_locale_untracked()
}

/// The code written in `<html lang>`, the cookie and the switcher's link.
pub fn code(locale: Locale) -> &'static str {
    locale.as_str()
}

/// The language a switcher link names, written in that language.
pub fn own_name(locale: Locale) -> &'static str {
    match locale {
        Locale::zh_CN => "中文",
        Locale::en => "English",
    }
}

/// Whether `n` takes the singular phrase. CLDR's cardinal rules for our two
/// languages: Chinese has a single form; English uses "one" for exactly 1.
/// Written out because ICU's plural data (leptos_i18n's `plurals` feature)
/// cannot be resolved together with its build crate's ICU version today, and
/// would add its data to the browser bundle for two one-line rules.
pub fn is_singular(locale: Locale, n: u64) -> bool {
    matches!(locale, Locale::en) && n == 1
}

/// The language for a request with these headers.
#[cfg(feature = "ssr")]
pub fn of_headers(headers: &http::HeaderMap) -> Locale {
    use std::str::FromStr;
    let from_cookie = headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .and_then(|(_, value)| Locale::from_str(value.trim()).ok());
    from_cookie.unwrap_or_else(|| {
        // Tags in the order sent, weights dropped (browsers send them in
        // falling order). Any Chinese (zh, zh-TW, zh-Hant-HK) asks for the
        // one Chinese we write: leptos_i18n's matcher alone would send a
        // reader of `zh-TW,zh;q=0.9,en;q=0.8` to English.
        let accepted = headers
            .get(http::header::ACCEPT_LANGUAGE)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .split(',')
            .map(|tag| tag.split_once(';').map_or(tag, |(tag, _)| tag).trim())
            .filter(|tag| !tag.is_empty())
            .map(|tag| {
                let language = tag.split(['-', '_']).next().unwrap_or(tag);
                if language.eq_ignore_ascii_case("zh") {
                    code(Locale::zh_CN).to_owned()
                } else {
                    tag.to_owned()
                }
            })
            .collect::<Vec<_>>();
        Locale::find_locale(&accepted)
    })
}

#[cfg(feature = "ssr")]
tokio::task_local! {
    static REQUEST_LOCALE: Locale;
}

/// Runs a request's handling with its language at hand, for code far from
/// the request (a store error turned into words, a form handler's refusal).
#[cfg(feature = "ssr")]
pub async fn within<F: std::future::Future>(locale: Locale, handling: F) -> F::Output {
    REQUEST_LOCALE.scope(locale, handling).await
}

/// The language of the request being served; Chinese outside a request.
/// Leptos may render a page's resources on other tasks, where the task-local
/// is gone; there the request's headers are in the reactive context.
#[cfg(feature = "ssr")]
pub fn of_request() -> Locale {
    REQUEST_LOCALE
        .try_with(|locale| *locale)
        .ok()
        .or_else(|| {
            leptos::prelude::use_context::<http::request::Parts>().map(|parts| of_headers(&parts.headers))
        })
        .unwrap_or_default()
}

/// A date for people: `2026年11月26日` / `26 Nov 2026` (UTC).
#[cfg(feature = "ssr")]
pub fn format_date(locale: Locale, ms: i64) -> String {
    use time::macros::format_description;
    let format = match locale {
        Locale::zh_CN => format_description!("[year]年[month padding:none]月[day padding:none]日"),
        Locale::en => format_description!("[day padding:none] [month repr:short] [year]"),
    };
    format_ms(ms, format)
}

/// A date and time for people: `2026年11月26日 14:03 UTC` / `26 Nov 2026 14:03 UTC`.
#[cfg(feature = "ssr")]
pub fn format_datetime(locale: Locale, ms: i64) -> String {
    use time::macros::format_description;
    let format = match locale {
        Locale::zh_CN => {
            format_description!("[year]年[month padding:none]月[day padding:none]日 [hour]:[minute] UTC")
        }
        Locale::en => format_description!("[day padding:none] [month repr:short] [year] [hour]:[minute] UTC"),
    };
    format_ms(ms, format)
}

#[cfg(feature = "ssr")]
fn format_ms(ms: i64, format: &[time::format_description::BorrowedFormatItem<'_>]) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(format).ok())
        .unwrap_or_default()
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> http::HeaderMap {
        let mut map = http::HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                http::HeaderValue::from_str(value).unwrap(),
            );
        }
        map
    }

    #[test]
    fn the_cookie_wins_then_accept_language_then_chinese() {
        assert_eq!(of_headers(&headers(&[])), Locale::zh_CN);
        assert_eq!(of_headers(&headers(&[("accept-language", "en-US,en;q=0.9")])), Locale::en);
        assert_eq!(of_headers(&headers(&[("accept-language", "fr-FR, en;q=0.5")])), Locale::en);
        assert_eq!(of_headers(&headers(&[("accept-language", "zh-TW,zh;q=0.9,en;q=0.8")])), Locale::zh_CN);
        assert_eq!(of_headers(&headers(&[("accept-language", "de")])), Locale::zh_CN);
        let chosen = [("accept-language", "en"), ("cookie", "a=1; lang=zh-CN; b=2")];
        assert_eq!(of_headers(&headers(&chosen)), Locale::zh_CN);
        assert_eq!(
            of_headers(&headers(&[("cookie", "lang=klingon"), ("accept-language", "en")])),
            Locale::en
        );
    }

    #[test]
    fn dates_are_written_the_way_each_language_writes_them() {
        let ms = 1_795_701_780_000; // 2026-11-26 14:03 UTC
        assert_eq!(format_date(Locale::zh_CN, ms), "2026年11月26日");
        assert_eq!(format_date(Locale::en, ms), "26 Nov 2026");
        assert_eq!(format_datetime(Locale::zh_CN, ms), "2026年11月26日 14:03 UTC");
        assert_eq!(format_datetime(Locale::en, ms), "26 Nov 2026 14:03 UTC");
    }

    #[test]
    fn only_english_has_a_singular() {
        assert!(is_singular(Locale::en, 1));
        assert!(!is_singular(Locale::en, 0));
        assert!(!is_singular(Locale::en, 2));
        assert!(!is_singular(Locale::zh_CN, 1));
    }
}
