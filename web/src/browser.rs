//! The browser's side effects, kept out of the state: local storage for the
//! text, the URL fragment for sharing (the YAML, compressed), and fetching
//! the field docs and the examples.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

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
const FRAGMENT_PREFIX: &str = "#yaml=";

/// The text to start with: a shared link's, else the last session's.
pub fn initial_text() -> Option<String> {
    shared_text().or_else(saved_text)
}

fn window() -> Option<web_sys::Window> {
    web_sys::window()
}

fn saved_text() -> Option<String> {
    window()?.local_storage().ok()??.get_item(STORAGE_KEY).ok()?
}

/// Keeps the text across reloads. Storage may be full or disabled; the
/// learner's text then lives on in the page only.
pub fn save_text(text: &str) {
    if let Some(Ok(Some(storage))) = window().map(|w| w.local_storage()) {
        let _ = storage.set_item(STORAGE_KEY, text);
    }
}

fn shared_text() -> Option<String> {
    let hash = window()?.location().hash().ok()?;
    decode_fragment(&hash)
}

/// `#yaml=<lz-string>` → the YAML.
pub fn decode_fragment(hash: &str) -> Option<String> {
    let data = hash.strip_prefix(FRAGMENT_PREFIX)?;
    let decoded = lz_str::decompress_from_encoded_uri_component(data)?;
    String::from_utf16(&decoded).ok()
}

/// The YAML → `#yaml=<lz-string>`.
pub fn encode_fragment(text: &str) -> String {
    format!("{FRAGMENT_PREFIX}{}", lz_str::compress_to_encoded_uri_component(text))
}

/// Puts a share link in the address bar (without reloading).
pub fn share(text: &str) -> Option<String> {
    let w = window()?;
    let fragment = encode_fragment(text);
    w.location().set_hash(&fragment).ok()?;
    w.location().href().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fragments_round_trip() {
        let yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: 网页\n";
        assert_eq!(decode_fragment(&encode_fragment(yaml)).as_deref(), Some(yaml));
        assert_eq!(decode_fragment("#other"), None);
    }
}
