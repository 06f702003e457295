//! The playground's entry point: renders the app into the page.

fn main() {
    yew::Renderer::<podplay_web::app::App>::new().render();
}
