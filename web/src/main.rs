//! The playground's entry point: renders the app into the page, in place
//! of the loading message that `index.html` shows until the code arrives.
//! Pods are simulated in a web worker, started when first needed.

use podplay_web::app::{App, AppProps, WORKER_SCRIPT};
use podplay_web::simulator::Simulator;

fn main() {
    yew::Renderer::<App>::with_props(AppProps { simulator: Simulator::worker(WORKER_SCRIPT) }).render();
    if let Some(loading) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("loading")) {
        loading.remove();
    }
}
