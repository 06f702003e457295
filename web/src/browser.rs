//! The browser's side effects, kept out of the state: local storage for the
//! text, the URL fragment for sharing (the YAML, compressed), and fetching
//! the field docs and the examples.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::lessons::Lang;

/// The field descriptions, beside `index.html` (trunk copies the core's
/// `data/k8s-docs.json`). Fetched when docs are first shown: four fifths of
/// the schema data, kept out of the first load.
const DOCS_URL: &str = "k8s-docs.json";

/// Fetches the field docs and installs them in the core.
pub async fn load_docs() -> Result<(), String> {
    podplay_core::schema::install_docs(&fetch_text(DOCS_URL).await?)
}

/// Fetches example `index` and remembers it (see `examples`).
pub async fn load_example(index: usize) -> Result<(), String> {
    let url = crate::examples::url(index).ok_or("no such example")?;
    crate::examples::remember(index, &fetch_text(&url).await?);
    Ok(())
}

/// A text file of the site, by its URL relative to the page.
async fn fetch_text(url: &str) -> Result<String, String> {
    let w = window().ok_or("no window")?;
    let response = JsFuture::from(w.fetch_with_str(url)).await.map_err(|e| format!("{url}: {e:?}"))?;
    let response: web_sys::Response = response.dyn_into().map_err(|_| "not a response".to_string())?;
    if !response.ok() {
        return Err(format!("{url}: HTTP {}", response.status()));
    }
    let text = JsFuture::from(response.text().map_err(|e| format!("{e:?}"))?).await.map_err(|e| format!("{e:?}"))?;
    text.as_string().ok_or_else(|| format!("{url}: not text"))
}

const STORAGE_KEY: &str = "podplay.text";
const LANG_KEY: &str = "podplay.lang";
const LESSON_KEY: &str = "podplay.lesson";
const DONE_KEY: &str = "podplay.done";
const FRAGMENT_YAML: &str = "yaml=";

/// What a page opens with: a shared link's, else the last session's.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Start {
    /// `None` on a first visit (nothing saved, no link).
    pub text: Option<String>,
    pub lang: Option<Lang>,
    pub lesson: Option<usize>,
    /// The lessons whose task was done.
    pub done: Vec<usize>,
}

/// The text, language, lesson and progress to start with.
pub fn start() -> Start {
    let stored = |key: &str| storage().and_then(|s| s.get_item(key).ok().flatten());
    let mut start = Start {
        text: stored(STORAGE_KEY),
        lang: stored(LANG_KEY).as_deref().and_then(Lang::from_code),
        lesson: stored(LESSON_KEY).and_then(|l| l.parse().ok()),
        done: stored(DONE_KEY).map(|d| d.split(',').filter_map(|i| i.parse().ok()).collect()).unwrap_or_default(),
    };
    if let Some(shared) = window().and_then(|w| w.location().hash().ok()).and_then(|h| decode_fragment(&h)) {
        start.text = shared.text;
        start.lesson = shared.lesson;
        start.lang = shared.lang.or(start.lang);
    }
    start
}

fn window() -> Option<web_sys::Window> {
    web_sys::window()
}

fn storage() -> Option<web_sys::Storage> {
    window()?.local_storage().ok()?
}

/// Keeps the text across reloads. Storage may be full or disabled; the
/// learner's text then lives on in the page only.
pub fn save_text(text: &str) {
    if let Some(storage) = storage() {
        let _ = storage.set_item(STORAGE_KEY, text);
    }
}

/// Keeps the language, the lesson and the lessons done across reloads.
pub fn save_progress(lang: Lang, lesson: Option<usize>, done: &[usize]) {
    let Some(storage) = storage() else { return };
    let _ = storage.set_item(LANG_KEY, lang.code());
    let _ = match lesson {
        Some(i) => storage.set_item(LESSON_KEY, &i.to_string()),
        None => storage.remove_item(LESSON_KEY),
    };
    let done: Vec<String> = done.iter().map(|i| i.to_string()).collect();
    let _ = storage.set_item(DONE_KEY, &done.join(","));
}

/// The performance mark the page sets once its first picture is drawn:
/// load-to-first-picture, as the end-to-end test reads it.
pub const DRAWN_MARK: &str = "podplay-drawn";

/// Marks the page's timeline (`performance.mark`).
pub fn mark(name: &str) {
    if let Some(performance) = window().and_then(|w| w.performance()) {
        let _ = performance.mark(name);
    }
}

/// The `lang` attribute of the page: a Chinese page drawn with Chinese
/// glyph shapes, not Japanese ones.
pub fn set_page_lang(lang: Lang) {
    if let Some(root) = window().and_then(|w| w.document()).and_then(|d| d.document_element()) {
        let _ = root.set_attribute("lang", lang.code());
    }
}

/// `#lesson=3&lang=zh-CN&yaml=<lz-string>` → what it shares (the older
/// `#yaml=…` alone still opens).
pub fn decode_fragment(hash: &str) -> Option<Start> {
    let mut start = Start::default();
    for part in hash.strip_prefix('#')?.split('&') {
        if let Some(data) = part.strip_prefix(FRAGMENT_YAML) {
            let decoded = lz_str::decompress_from_encoded_uri_component(data)?;
            start.text = Some(String::from_utf16(&decoded).ok()?);
        } else if let Some(lesson) = part.strip_prefix("lesson=") {
            start.lesson = lesson.parse().ok();
        } else if let Some(lang) = part.strip_prefix("lang=") {
            start.lang = Lang::from_code(lang);
        }
    }
    start.text.is_some().then_some(start)
}

/// The lesson, language and YAML → `#lesson=…&lang=…&yaml=<lz-string>`
/// (lz-string's URI alphabet has no `&`).
pub fn encode_fragment(text: &str, lesson: Option<usize>, lang: Lang) -> String {
    let lesson = lesson.map(|i| format!("lesson={i}&")).unwrap_or_default();
    format!("#{lesson}lang={}&{FRAGMENT_YAML}{}", lang.code(), lz_str::compress_to_encoded_uri_component(text))
}

/// Puts a share link in the address bar (without reloading) and on the
/// clipboard. `Ok(true)`: copied; `Ok(false)`: only in the address bar
/// (no clipboard, or it was refused).
pub async fn share(text: String, lesson: Option<usize>, lang: Lang) -> Result<bool, String> {
    let w = window().ok_or("no window")?;
    w.location().set_hash(&encode_fragment(&text, lesson, lang)).map_err(|e| format!("{e:?}"))?;
    let url = w.location().href().map_err(|e| format!("{e:?}"))?;
    let clipboard = w.navigator().clipboard();
    if clipboard.is_undefined() {
        return Ok(false);
    }
    Ok(JsFuture::from(clipboard.write_text(&url)).await.is_ok())
}

/// The page's clock (`performance.now()`, in milliseconds).
pub fn clock() -> crate::work::Clock {
    let performance = web_sys::window().and_then(|w| w.performance());
    crate::work::Clock::new(move || performance.as_ref().map_or(0.0, |p| p.now()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fragments_round_trip() {
        let yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: 网页\n";
        let shared = decode_fragment(&encode_fragment(yaml, Some(3), Lang::Zh)).unwrap();
        assert_eq!(shared, Start { text: Some(yaml.into()), lang: Some(Lang::Zh), lesson: Some(3), done: vec![] });
        let plain = decode_fragment(&encode_fragment(yaml, None, Lang::En)).unwrap();
        assert_eq!((plain.lesson, plain.lang), (None, Some(Lang::En)));
        // A link from before lessons and languages were shared.
        let old = format!("#yaml={}", lz_str::compress_to_encoded_uri_component(yaml));
        assert_eq!(decode_fragment(&old).unwrap().text.as_deref(), Some(yaml));
        assert_eq!(decode_fragment("#other"), None);
    }
}
