//! The playground's entry point: renders the app into the page, in place
//! of the loading message that `index.html` shows until the code arrives.

fn main() {
    yew::Renderer::<podplay_web::app::App>::new().render();
    if let Some(loading) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("loading")) {
        loading.remove();
    }
}
