//! Generates the typed translation module (`crate::i18n`) from
//! `locales/*.json`: a key missing from a language, or a phrase whose
//! variables differ between languages, fails the build instead of showing
//! up on a page.

use std::path::PathBuf;

use leptos_i18n_build::{Config, ParseOptions, TranslationsInfos};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").ok_or("OUT_DIR is not set")?);
    // Chinese first: the language of anyone whose browser asks for neither.
    // Interpolated phrases also as plain strings: server code (e-mails,
    // CSV headers, error messages) formats them outside any view.
    let config =
        Config::new("zh-CN")?.add_locale("en")?.parse_options(ParseOptions::new().interpolate_display(true));
    let translations = TranslationsInfos::parse(config)?;
    translations.emit_diagnostics();
    translations.rerun_if_locales_changed();
    translations.generate_i18n_module(out_dir.join("i18n"))?;
    Ok(())
}
