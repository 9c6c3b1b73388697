//! Search tokens: the one function that turns text into what the search
//! index stores, used when a listing is written and when a query is asked,
//! so both sides always agree.
//!
//! Chinese is written without spaces, so a word index cannot find 手机 inside
//! 二手苹果手机. As Lucene's CJK bigram filter does, a run of CJK characters
//! becomes its overlapping pairs (二手 手苹 苹果 果手 手机) and a query word
//! becomes the phrase of its pairs: any substring of two or more characters
//! is then a phrase the index can answer. One-character queries (书) are
//! answered from the index too: each CJK character of a run is also stored
//! alone, after the pairs (about a third more tokens for Chinese text,
//! measured in the closing note of issue 11), rather than by a scan whose
//! cost grows with the table.
//!
//! Titles are also indexed by the pinyin of each pair, in full and by
//! initials (手机 → `shouji`, `sj`), as Taobao's search box allows.
//!
//! The stored form is one string of tokens separated by spaces, with a space
//! at both ends and a marker between the title's tokens and the
//! description's: `" 二手 … shouji sj 0title0 电池 … "`. The database tokenizes
//! it again (FTS5 `unicode61`, PostgreSQL's `simple` parser); both split on
//! spaces only, because every token is letters, digits or CJK characters.
//! The marker lets SQL tell a title match from a description match with a
//! plain substring search, the same on both backends.

use std::collections::HashSet;

use unicode_normalization::UnicodeNormalization;

/// Between the title's tokens and the description's. A query can never
/// produce it: query words split where letters meet digits.
pub const TITLE_END: &str = "0title0";

/// Longer letter or digit runs are cut: PostgreSQL refuses to index a word
/// over 2,047 bytes, and nobody searches for one.
const WORD_MAX_CHARS: usize = 40;

/// Query parts beyond this many are ignored, which bounds the SQL a search
/// makes (eight words of mixed script split into at most this many).
pub const QUERY_PARTS_MAX: usize = 16;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Class {
    Cjk,
    Letter,
    Digit,
    Other,
}

fn class(c: char) -> Class {
    if is_cjk(c) {
        Class::Cjk
    } else if c.is_alphabetic() {
        Class::Letter
    } else if c.is_numeric() {
        Class::Digit
    } else {
        Class::Other
    }
}

/// Han (all blocks and extensions), kana and Hangul: the scripts Lucene's
/// CJK bigram filter pairs.
fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4DBF        // Han extension A
        | 0x4E00..=0x9FFF      // Han
        | 0xF900..=0xFAFF      // Han compatibility
        | 0x20000..=0x323AF    // Han extensions B–H
        | 0x3040..=0x309F      // Hiragana
        | 0x30A0..=0x30FF      // Katakana
        | 0x31F0..=0x31FF      // Katakana extension
        | 0x1100..=0x11FF      // Hangul jamo
        | 0xAC00..=0xD7AF      // Hangul syllables
        | 0x3005 | 0x3007      // 々 〇
    )
}

/// A run of one class of character, in the normalized text.
struct Run {
    class: Class,
    chars: Vec<char>,
}

/// NFKC (full-width letters and digits become ASCII, compatibility forms
/// their usual ones), lower case, then runs of one class each.
fn runs(text: &str) -> Vec<Run> {
    let mut runs: Vec<Run> = Vec::new();
    for c in text.nfkc().flat_map(char::to_lowercase) {
        let class = class(c);
        match runs.last_mut() {
            Some(run) if run.class == class && class != Class::Other => run.chars.push(c),
            _ => runs.push(Run { class, chars: vec![c] }),
        }
    }
    runs.retain(|run| run.class != Class::Other);
    runs
}

fn bigrams(chars: &[char]) -> Vec<String> {
    if chars.len() == 1 {
        return vec![chars[0].to_string()];
    }
    chars.windows(2).map(|pair| pair.iter().collect()).collect()
}

fn word(chars: &[char]) -> String {
    chars.iter().take(WORD_MAX_CHARS).collect()
}

/// The tokens of one text, in order, then its CJK characters one by one
/// (each once).
fn text_tokens(text: &str, pinyin: bool) -> Vec<String> {
    let runs = runs(text);
    let mut tokens: Vec<String> = Vec::new();
    let mut single: Vec<char> = Vec::new();
    let mut seen_single: HashSet<char> = HashSet::new();
    let mut sounds = Vec::new();
    for run in &runs {
        match run.class {
            Class::Cjk => {
                let pairs = bigrams(&run.chars);
                if pinyin {
                    sounds.extend(pairs.iter().flat_map(|pair| pinyin_of(pair)));
                }
                tokens.extend(pairs);
                if run.chars.len() > 1 {
                    single.extend(run.chars.iter().copied().filter(|c| seen_single.insert(*c)));
                }
            }
            Class::Letter | Class::Digit => tokens.push(word(&run.chars)),
            Class::Other => {}
        }
    }
    // A one-character run already stands alone among the tokens.
    let alone: HashSet<&str> =
        tokens.iter().map(String::as_str).filter(|t| t.chars().nth(1).is_none()).collect();
    let single: Vec<String> =
        single.iter().map(char::to_string).filter(|c| !alone.contains(c.as_str())).collect();
    tokens.extend(single);
    tokens.extend(sounds);
    tokens
}

/// The full pinyin and the initials of a pair of characters, when both have
/// a reading (each character's commonest one; kana and Hangul have none).
fn pinyin_of(pair: &str) -> Vec<String> {
    use pinyin::ToPinyin;
    let mut full = String::new();
    let mut initials = String::new();
    for sound in pair.to_pinyin() {
        let Some(sound) = sound else { return Vec::new() };
        full.push_str(sound.plain());
        initials.push_str(sound.first_letter());
    }
    vec![full, initials]
}

/// What the index stores for a listing: see the module comment for the form.
pub fn index_text(title: &str, description: &str) -> String {
    let mut stored = String::from(" ");
    for token in text_tokens(title, true) {
        stored.push_str(&token);
        stored.push(' ');
    }
    stored.push_str(TITLE_END);
    stored.push(' ');
    for token in text_tokens(description, false) {
        stored.push_str(&token);
        stored.push(' ');
    }
    stored
}

/// One part of a query. A listing matches when it has every part.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum QueryPart {
    /// Two or more CJK characters: their pairs, next to each other.
    Phrase(Vec<String>),
    /// One CJK character or a number: exactly this token.
    Exact(String),
    /// Letters: any token starting with them, so `lamp` finds `lamps` and a
    /// half-typed word already finds something.
    Prefix(String),
}

impl QueryPart {
    /// What the stored token string contains where this part matches (the
    /// string has a space at both ends, so a whole token never matches half
    /// of another).
    pub fn needle(&self) -> String {
        match self {
            QueryPart::Phrase(pairs) => format!(" {} ", pairs.join(" ")),
            QueryPart::Exact(token) => format!(" {token} "),
            QueryPart::Prefix(start) => format!(" {start}"),
        }
    }
}

/// The parts of a query's words: each word splits where its script changes
/// (`iPhone15` is `iphone` and `15`, `苹果shouji` is 苹果 and `shouji`), each
/// part once, at most [`QUERY_PARTS_MAX`].
pub fn query_parts<S: AsRef<str>>(words: &[S]) -> Vec<QueryPart> {
    let mut parts: Vec<QueryPart> = Vec::new();
    for query_word in words {
        for run in runs(query_word.as_ref()) {
            let part = match run.class {
                Class::Cjk if run.chars.len() > 1 => QueryPart::Phrase(bigrams(&run.chars)),
                Class::Cjk | Class::Digit => QueryPart::Exact(word(&run.chars)),
                Class::Letter => QueryPart::Prefix(word(&run.chars)),
                Class::Other => continue,
            };
            if !parts.contains(&part) && parts.len() < QUERY_PARTS_MAX {
                parts.push(part);
            }
        }
    }
    parts
}

/// The parts as an SQLite FTS5 query: each part a quoted phrase (a CJK
/// phrase is its pairs in order), `*` after a prefix, all of them required.
pub fn fts5_query(parts: &[QueryPart]) -> String {
    let quoted = |token: &str| format!("\"{}\"", token.replace('"', "\"\""));
    parts
        .iter()
        .map(|part| match part {
            QueryPart::Phrase(pairs) => quoted(&pairs.join(" ")),
            QueryPart::Exact(token) => quoted(token),
            QueryPart::Prefix(start) => format!("{}*", quoted(start)),
        })
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// The same query as a PostgreSQL `tsquery` literal: `<->` for a phrase,
/// `:*` for a prefix. Cast rather than parsed by `to_tsquery`, so the tokens
/// are taken exactly as the index stores them.
pub fn tsquery(parts: &[QueryPart]) -> String {
    let quoted = |token: &str| format!("'{}'", token.replace('\\', "\\\\").replace('\'', "''"));
    parts
        .iter()
        .map(|part| match part {
            QueryPart::Phrase(pairs) => {
                format!("({})", pairs.iter().map(|p| quoted(p)).collect::<Vec<_>>().join(" <-> "))
            }
            QueryPart::Exact(token) => quoted(token),
            QueryPart::Prefix(start) => format!("{}:*", quoted(start)),
        })
        .collect::<Vec<_>>()
        .join(" & ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(text: &str) -> Vec<String> {
        text_tokens(text, false)
    }

    #[test]
    fn a_chinese_run_becomes_its_overlapping_pairs_then_its_characters() {
        assert_eq!(
            tokens("二手苹果手机"),
            ["二手", "手苹", "苹果", "果手", "手机", "二", "手", "苹", "果", "机"]
        );
    }

    #[test]
    fn a_lone_chinese_character_is_its_own_token_once() {
        assert_eq!(tokens("二手 书"), ["二手", "书", "二", "手"]);
        assert_eq!(tokens("书"), ["书"]);
    }

    #[test]
    fn latin_words_inside_chinese_split_from_it_and_from_their_digits() {
        assert_eq!(tokens("苹果iPhone15手机"), ["苹果", "iphone", "15", "手机", "苹", "果", "手", "机"]);
    }

    #[test]
    fn full_width_letters_and_digits_become_ascii_and_case_goes() {
        assert_eq!(tokens("ＩＰＨＯＮＥ　１５"), ["iphone", "15"]);
        assert_eq!(tokens("Café ÉCOLE"), ["café", "école"]);
    }

    #[test]
    fn punctuation_and_emoji_separate_and_leave_nothing() {
        assert_eq!(tokens("手机！！😀壳，(new)…"), ["手机", "壳", "new", "手", "机"]);
        assert!(tokens("😀 ！？ --- ...").is_empty());
    }

    #[test]
    fn traditional_characters_stay_as_written() {
        // NFKC does not map traditional to simplified; 手機 finds 手機 only.
        assert_eq!(tokens("二手手機"), ["二手", "手手", "手機", "二", "手", "機"]);
    }

    #[test]
    fn very_long_words_are_cut() {
        let long = "a".repeat(500);
        assert_eq!(tokens(&long), ["a".repeat(WORD_MAX_CHARS)]);
    }

    #[test]
    fn the_stored_form_has_title_tokens_with_pinyin_then_the_marker_then_the_description() {
        assert_eq!(
            index_text("手机壳", "全新 case"),
            " 手机 机壳 手 机 壳 shouji sj jike jk 0title0 全新 case 全 新 "
        );
    }

    #[test]
    fn query_words_split_by_script_and_become_phrases_prefixes_or_exact_tokens() {
        assert_eq!(
            query_parts(&["苹果手机", "iPhone15", "书", "shouji", "苹果"]),
            [
                QueryPart::Phrase(vec!["苹果".into(), "果手".into(), "手机".into()]),
                QueryPart::Prefix("iphone".into()),
                QueryPart::Exact("15".into()),
                QueryPart::Exact("书".into()),
                QueryPart::Prefix("shouji".into()),
                QueryPart::Phrase(vec!["苹果".into()]),
            ]
        );
        assert!(query_parts(&["!!", "😀"]).is_empty());
    }

    #[test]
    fn every_substring_of_two_or_more_cjk_characters_is_found_as_a_phrase() {
        let title = "二手苹果手机壳";
        let stored = index_text(title, "");
        let chars: Vec<char> = title.chars().collect();
        for start in 0..chars.len() {
            for end in start + 1..=chars.len() {
                let sub: String = chars[start..end].iter().collect();
                for part in query_parts(&[&sub]) {
                    assert!(stored.contains(&part.needle()), "{sub} in {stored}");
                }
            }
        }
    }

    #[test]
    fn a_query_cannot_produce_the_title_marker() {
        assert_eq!(
            query_parts(&[TITLE_END]),
            [QueryPart::Exact("0".into()), QueryPart::Prefix("title".into())]
        );
    }

    #[test]
    fn both_query_languages_say_the_same_thing() {
        let parts = query_parts(&["苹果手机", "iPhone15", "书"]);
        assert_eq!(fts5_query(&parts), "\"苹果 果手 手机\" AND \"iphone\"* AND \"15\" AND \"书\"");
        assert_eq!(tsquery(&parts), "('苹果' <-> '果手' <-> '手机') & 'iphone':* & '15' & '书'");
    }

    #[test]
    fn quotes_in_a_token_cannot_end_the_query_literal() {
        let part = [QueryPart::Exact("a\"b'c\\d".into())];
        assert_eq!(fts5_query(&part), "\"a\"\"b'c\\d\"");
        assert_eq!(tsquery(&part), "'a\"b''c\\\\d'");
    }
}
