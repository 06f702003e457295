//! The page's side of the simulator: requests go one at a time, in order,
//! a newer recording or inside view replacing one not sent yet (so that
//! stepping quickly through a run does not queue a re-simulation per
//! step). They reach the simulator through a [`Transport`]: the web
//! worker, started on the first request, or (in the browser tests, which
//! have no worker script) the simulator in the page itself. The transports
//! are trait objects so that the page's module does not hold the
//! simulator's code: only the test build makes the in-page one.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::{Rc, Weak};

use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

use super::{Reply, Request, Server};

type Answer = Box<dyn FnOnce(Reply)>;

/// The simulator as the page sees it. Equal when it is the same one.
#[derive(Clone)]
pub struct Simulator(Rc<Queue>);

impl PartialEq for Simulator {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

/// The worker's first message: its module is loaded and listening.
pub const READY: &str = "ready";

impl Simulator {
    /// The simulator in the web worker started from `script` (trunk's
    /// loader for the worker's module), when first asked.
    pub fn worker(script: &str) -> Simulator {
        Simulator::with(std::boxed::Box::new(WorkerTransport { script: script.into(), live: Rc::default() }))
    }

    /// The simulator in the page itself, answering in a later task as the
    /// worker would: for the browser tests.
    pub fn in_page() -> Simulator {
        Simulator::with(std::boxed::Box::new(InPage(Rc::default())))
    }

    fn with(transport: std::boxed::Box<dyn Transport>) -> Simulator {
        Simulator(Rc::new(Queue { transport, state: RefCell::default() }))
    }

    /// Sends `request` when the ones before it are answered; `answer` gets
    /// the reply (unless a newer request of its kind replaces it first).
    pub fn ask(&self, request: Request, answer: impl FnOnce(Reply) + 'static) {
        {
            let mut state = self.0.state.borrow_mut();
            state.waiting.retain(|(r, _)| !request.replaces(r));
            state.waiting.push_back((request, std::boxed::Box::new(answer)));
        }
        Queue::pump(&self.0);
    }
}

struct Queue {
    transport: std::boxed::Box<dyn Transport>,
    state: RefCell<QueueState>,
}

#[derive(Default)]
struct QueueState {
    waiting: VecDeque<(Request, Answer)>,
    in_flight: Option<(u64, Answer)>,
    sent: u64,
}

impl Queue {
    /// Sends the next request if none is in flight.
    fn pump(this: &Rc<Queue>) {
        let (id, request) = {
            let mut state = this.state.borrow_mut();
            if state.in_flight.is_some() {
                return;
            }
            let Some((request, answer)) = state.waiting.pop_front() else { return };
            state.sent += 1;
            let id = state.sent;
            state.in_flight = Some((id, answer));
            (id, request)
        };
        this.transport.send(Rc::downgrade(this), crate::wire::encode(&(id, request)));
    }

    /// A message from the simulator: the answer to the request in flight.
    fn received(this: &Rc<Queue>, message: &str) {
        let Some((id, reply)) = crate::wire::decode::<(u64, Reply)>(message) else {
            Queue::failed(this, "its answer could not be read".into());
            return;
        };
        let answer = {
            let mut state = this.state.borrow_mut();
            match state.in_flight.take() {
                Some((sent, answer)) if sent == id => Some(answer),
                other => {
                    state.in_flight = other;
                    None
                }
            }
        };
        // Outside the borrow: the answer may ask again.
        if let Some(answer) = answer {
            answer(reply);
        }
        Queue::pump(this);
    }

    /// The simulator is gone: every request waiting fails (the next one
    /// starts it again).
    fn failed(this: &Rc<Queue>, why: String) {
        let answers: Vec<Answer> = {
            let mut state = this.state.borrow_mut();
            let waiting = std::mem::take(&mut state.waiting).into_iter().map(|(_, a)| a);
            state.in_flight.take().map(|(_, a)| a).into_iter().chain(waiting).collect()
        };
        for answer in answers {
            answer(Reply::Failed(format!("the simulator stopped: {why}")));
        }
    }
}

/// How a message reaches the simulator; its answer comes back through
/// [`Queue::received`].
trait Transport {
    fn send(&self, queue: Weak<Queue>, message: String);
}

/// The web worker, while it runs.
struct WorkerTransport {
    script: String,
    live: Rc<RefCell<Option<Live>>>,
}

struct Live {
    worker: web_sys::Worker,
    ready: bool,
    /// The message to send once the worker is ready.
    held: Option<String>,
    _on_message: Closure<dyn FnMut(web_sys::MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::Event)>,
}

impl Transport for WorkerTransport {
    fn send(&self, queue: Weak<Queue>, message: String) {
        if self.live.borrow().is_none() {
            match start(&self.script, &queue, &self.live) {
                Ok(live) => *self.live.borrow_mut() = Some(live),
                Err(why) => {
                    if let Some(queue) = queue.upgrade() {
                        Queue::failed(&queue, why);
                    }
                    return;
                }
            }
        }
        let mut live = self.live.borrow_mut();
        let Some(live) = live.as_mut() else { return };
        if live.ready {
            let _ = live.worker.post_message(&message.into());
        } else {
            live.held = Some(message);
        }
    }
}

/// Starts the worker; its messages go to `queue`.
fn start(script: &str, queue: &Weak<Queue>, live: &Rc<RefCell<Option<Live>>>) -> Result<Live, String> {
    let worker = web_sys::Worker::new(script).map_err(|e| format!("{script}: {e:?}"))?;
    let (on_queue, on_live) = (queue.clone(), Rc::downgrade(live));
    let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
        let (Some(queue), Some(live)) = (on_queue.upgrade(), on_live.upgrade()) else { return };
        let message = e.data().as_string().unwrap_or_default();
        if message == READY {
            let mut live = live.borrow_mut();
            if let Some(live) = live.as_mut() {
                live.ready = true;
                if let Some(held) = live.held.take() {
                    let _ = live.worker.post_message(&held.into());
                }
            }
            return;
        }
        Queue::received(&queue, &message);
    });
    let (on_queue, on_live) = (queue.clone(), Rc::downgrade(live));
    let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
        // A worker that failed to load, or trapped, is not used again.
        let why = e
            .dyn_ref::<web_sys::ErrorEvent>()
            .map(|e| e.message())
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| "its code could not be loaded".into());
        if let Some(live) = on_live.upgrade().and_then(|l| l.borrow_mut().take()) {
            live.worker.terminate();
            // Not dropped here: this closure is part of it.
            yew::platform::spawn_local(async move { drop(live) });
        }
        if let Some(queue) = on_queue.upgrade() {
            Queue::failed(&queue, why);
        }
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    Ok(Live { worker, ready: false, held: None, _on_message: on_message, _on_error: on_error })
}

/// The simulator in the page.
struct InPage(Rc<RefCell<Server>>);

impl Transport for InPage {
    fn send(&self, queue: Weak<Queue>, message: String) {
        let server = self.0.clone();
        yew::platform::spawn_local(async move {
            let answer = server.borrow_mut().answer(&message).unwrap_or_default();
            if let Some(queue) = queue.upgrade() {
                Queue::received(&queue, &answer);
            }
        });
    }
}
