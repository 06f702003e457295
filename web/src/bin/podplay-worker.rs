//! The simulator's web worker: the second WebAssembly module, fetched when
//! the learner first runs a Pod (`podplay_web::simulator`). It says it is
//! ready, then answers each message from the page in turn.

use std::cell::RefCell;

use podplay_web::simulator::{READY, Server};
use wasm_bindgen::JsCast;
use wasm_bindgen::JsValue;
use wasm_bindgen::closure::Closure;

fn main() {
    let scope: web_sys::DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let server = RefCell::new(Server::default());
    let replies = scope.clone();
    let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
        let message = e.data().as_string().unwrap_or_default();
        // A message that is not a request gets an answer the page cannot
        // read either, which fails the request rather than leaving it
        // waiting for ever.
        let answer = server.borrow_mut().answer(&message).unwrap_or_default();
        let _ = replies.post_message(&JsValue::from_str(&answer));
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The page's end of the worker lives as long as the worker.
    on_message.forget();
    let _ = scope.post_message(&JsValue::from_str(READY));
}
