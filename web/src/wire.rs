//! The words the page and the simulator's worker exchange (`simulator`):
//! a compact text form of the recorded run, written by hand because a
//! serde format would put its deserializer, generic over every type, in
//! the page's first download. Each value is written in field order:
//! a number as its decimal digits and `;`, a text as its length in bytes,
//! `:`, and the bytes. Reading checks every length and number, so a
//! garbled message is `None`, never a panic.

use podplay_core::time::MonoTime;
use podplay_core::trace::story::Told;
use podplay_core::trace::{Actor, Flow, Step, StepKind};

use crate::run::{Box, Doing, Frame, Inside, Intervention, Picture, Volume};

/// A message being written.
#[derive(Default)]
pub struct Writer(String);

/// A message being read: what is left of it.
pub struct Reader<'a> {
    rest: &'a str,
}

/// A value that can be sent to or from the worker.
pub trait Wire: Sized {
    fn put(&self, w: &mut Writer);
    fn take(r: &mut Reader) -> Option<Self>;
}

/// `value` as a message.
pub fn encode<T: Wire>(value: &T) -> String {
    let mut w = Writer::default();
    value.put(&mut w);
    w.0
}

/// The value a whole message holds; `None` when it is not one.
pub fn decode<T: Wire>(text: &str) -> Option<T> {
    let mut r = Reader { rest: text };
    let value = T::take(&mut r)?;
    r.rest.is_empty().then_some(value)
}

impl Writer {
    fn number(&mut self, n: i128) {
        self.0.push_str(&n.to_string());
        self.0.push(';');
    }

    fn text(&mut self, s: &str) {
        self.0.push_str(&s.len().to_string());
        self.0.push(':');
        self.0.push_str(s);
    }
}

impl Reader<'_> {
    fn number(&mut self) -> Option<i128> {
        let (digits, rest) = self.rest.split_once(';')?;
        // At most an i128's digits, so that parsing cannot overflow.
        if digits.is_empty() || digits.len() > 39 {
            return None;
        }
        let n = digits.parse().ok()?;
        self.rest = rest;
        Some(n)
    }

    fn text(&mut self) -> Option<&str> {
        let (len, rest) = self.rest.split_once(':')?;
        if len.is_empty() || len.len() > 20 || !len.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let len: usize = len.parse().ok()?;
        let text = rest.get(..len)?;
        self.rest = rest.get(len..)?;
        Some(text)
    }

    /// One of `words`, as the same `&'static str`.
    fn word(&mut self, words: &[&'static str]) -> Option<&'static str> {
        let text = self.text()?;
        words.iter().copied().find(|w| *w == text)
    }
}

macro_rules! numbers {
    ($($t:ty),*) => {$(
        impl Wire for $t {
            fn put(&self, w: &mut Writer) {
                w.number(i128::from(*self));
            }
            fn take(r: &mut Reader) -> Option<Self> {
                <$t>::try_from(r.number()?).ok()
            }
        }
    )*};
}
numbers!(u8, u32, u64, i32);

impl Wire for usize {
    fn put(&self, w: &mut Writer) {
        (*self as u64).put(w);
    }
    fn take(r: &mut Reader) -> Option<Self> {
        usize::try_from(u64::take(r)?).ok()
    }
}

impl Wire for bool {
    fn put(&self, w: &mut Writer) {
        u8::from(*self).put(w);
    }
    fn take(r: &mut Reader) -> Option<Self> {
        match u8::take(r)? {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }
}

impl Wire for String {
    fn put(&self, w: &mut Writer) {
        w.text(self);
    }
    fn take(r: &mut Reader) -> Option<Self> {
        r.text().map(String::from)
    }
}

impl<T: Wire> Wire for Option<T> {
    fn put(&self, w: &mut Writer) {
        match self {
            None => false.put(w),
            Some(value) => {
                true.put(w);
                value.put(w);
            }
        }
    }
    fn take(r: &mut Reader) -> Option<Self> {
        Some(if bool::take(r)? { Some(T::take(r)?) } else { None })
    }
}

impl<T: Wire> Wire for Vec<T> {
    fn put(&self, w: &mut Writer) {
        self.len().put(w);
        for value in self {
            value.put(w);
        }
    }
    fn take(r: &mut Reader) -> Option<Self> {
        let len = usize::take(r)?;
        // Every value takes at least two bytes: a garbled length cannot
        // make a huge allocation.
        let mut values = Vec::with_capacity(len.min(r.rest.len() / 2));
        for _ in 0..len {
            values.push(T::take(r)?);
        }
        Some(values)
    }
}

impl<A: Wire, B: Wire> Wire for (A, B) {
    fn put(&self, w: &mut Writer) {
        self.0.put(w);
        self.1.put(w);
    }
    fn take(r: &mut Reader) -> Option<Self> {
        Some((A::take(r)?, B::take(r)?))
    }
}

/// A struct's fields, in order.
macro_rules! fields {
    ($t:ident { $($field:ident),* $(,)? }) => {
        impl Wire for $t {
            fn put(&self, w: &mut Writer) {
                $(self.$field.put(w);)*
            }
            fn take(r: &mut Reader) -> Option<Self> {
                Some($t { $($field: Wire::take(r)?),* })
            }
        }
    };
}

fields!(Frame { at, steps, status, phase, get_wide, describe, picture });
fields!(Picture {
    name,
    node,
    ip,
    host_network,
    host_pid,
    host_ipc,
    share_pid,
    sandbox,
    containers,
    volumes,
    grace_left_ms,
    deleted
});
fields!(Volume { name, kind, mounts });
fields!(Inside { node_ps, container_ps, hosts, log });
fields!(Flow { from, to, via });
fields!(Step { at, actor, kind, text, flow, zh });
fields!(Told { step, repeats });

impl Wire for MonoTime {
    fn put(&self, w: &mut Writer) {
        self.0.put(w);
    }
    fn take(r: &mut Reader) -> Option<Self> {
        u64::take(r).map(MonoTime)
    }
}

const KINDS: [&str; 3] = ["init", "sidecar", "main"];
const TONES: [&str; 4] = ["running", "waiting", "done", "failed"];

impl Wire for Box {
    fn put(&self, w: &mut Writer) {
        self.name.put(w);
        w.text(self.kind);
        self.state.put(w);
        w.text(self.tone);
        self.ready.put(w);
        self.doing.put(w);
        self.warning.put(w);
    }
    fn take(r: &mut Reader) -> Option<Self> {
        Some(Box {
            name: Wire::take(r)?,
            kind: r.word(&KINDS)?,
            state: Wire::take(r)?,
            tone: r.word(&TONES)?,
            ready: Wire::take(r)?,
            doing: Wire::take(r)?,
            warning: Wire::take(r)?,
        })
    }
}

impl Wire for Doing {
    fn put(&self, w: &mut Writer) {
        match self {
            Doing::PostStartHook => 0u8.put(w),
            Doing::PreStopHook => 1u8.put(w),
            Doing::Stopping { kill_in_ms } => {
                2u8.put(w);
                kill_in_ms.put(w);
            }
        }
    }
    fn take(r: &mut Reader) -> Option<Self> {
        match u8::take(r)? {
            0 => Some(Doing::PostStartHook),
            1 => Some(Doing::PreStopHook),
            2 => Some(Doing::Stopping { kill_in_ms: Wire::take(r)? }),
            _ => None,
        }
    }
}

impl Wire for Intervention {
    fn put(&self, w: &mut Writer) {
        match self {
            Intervention::Delete => 0u8.put(w),
            Intervention::Kill { container, signal } => {
                1u8.put(w);
                container.put(w);
                signal.put(w);
            }
        }
    }
    fn take(r: &mut Reader) -> Option<Self> {
        match u8::take(r)? {
            0 => Some(Intervention::Delete),
            1 => Some(Intervention::Kill { container: Wire::take(r)?, signal: Wire::take(r)? }),
            _ => None,
        }
    }
}

impl Wire for Actor {
    fn put(&self, w: &mut Writer) {
        let tag: u8 = match self {
            Actor::Scheduler => 0,
            Actor::Kubelet => 1,
            Actor::Runtime => 2,
            Actor::Kernel => 3,
            Actor::Outside => 4,
            Actor::Container(name) => {
                5u8.put(w);
                name.put(w);
                return;
            }
        };
        tag.put(w);
    }
    fn take(r: &mut Reader) -> Option<Self> {
        Some(match u8::take(r)? {
            0 => Actor::Scheduler,
            1 => Actor::Kubelet,
            2 => Actor::Runtime,
            3 => Actor::Kernel,
            4 => Actor::Outside,
            5 => Actor::Container(Wire::take(r)?),
            _ => return None,
        })
    }
}

/// Every step kind, by its number on the wire.
const STEP_KINDS: [StepKind; 17] = [
    StepKind::Schedule,
    StepKind::Call,
    StepKind::Sandbox,
    StepKind::Image,
    StepKind::Container,
    StepKind::Mount,
    StepKind::Process,
    StepKind::Signal,
    StepKind::Exec,
    StepKind::Event,
    StepKind::Status,
    StepKind::FileWrite,
    StepKind::FileRead,
    StepKind::Connect,
    StepKind::Http,
    StepKind::Listen,
    StepKind::Ship,
];

impl Wire for StepKind {
    fn put(&self, w: &mut Writer) {
        // The declaration order, which the table follows (a test checks it).
        (*self as u8).put(w);
    }
    fn take(r: &mut Reader) -> Option<Self> {
        STEP_KINDS.get(usize::from(u8::take(r)?)).copied()
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::simulator::{Recorded, Reply, Request, Scenario};

    fn round_trip<T: Wire + PartialEq + std::fmt::Debug>(value: &T) {
        let message = encode(value);
        assert_eq!(decode::<T>(&message).as_ref(), Some(value), "{message}");
    }

    /// Every example's run, and what the terminal and the inside panel get,
    /// cross unchanged; every cut of such a message is refused, not read
    /// as something else.
    #[test]
    fn every_examples_run_crosses_the_wire_unchanged() {
        for example in crate::examples::EXAMPLES {
            let analysis = podplay_core::analyze(example.yaml);
            let (pod, nodes) = crate::simulator::subject(&analysis).unwrap();
            let run = crate::run::Run::record(example.yaml, &pod, &nodes);
            let recorded = Reply::Recorded(Recorded {
                steps: run.steps.clone(),
                frames: run.frames.clone(),
                outside: run.outside.clone(),
                told: run.told.clone(),
            });
            round_trip(&(7u64, recorded.clone()));
            let last = run.at(run.frames.len() - 1);
            let first = &pod.spec.as_ref().unwrap().containers[0].name;
            let inside = crate::run::inside_at(&pod, &nodes, &[], last, first);
            round_trip(&Reply::Inside(inside));
            let (output, flows) = crate::run::exec_at(&pod, &nodes, &[], last, first, "ls / && echo ü");
            round_trip(&Reply::Executed { output, flows });
            let message = encode(&(7u64, recorded));
            for cut in (0..message.len()).step_by(97).filter(|&i| message.is_char_boundary(i)) {
                assert_eq!(decode::<(u64, Reply)>(&message[..cut]), None, "{}: cut at {cut}", example.file);
            }
        }
    }

    #[test]
    fn step_kinds_are_numbered_in_declaration_order() {
        for (i, kind) in STEP_KINDS.iter().enumerate() {
            assert_eq!(*kind as usize, i);
            round_trip(kind);
        }
        assert_eq!(StepKind::Ship as usize + 1, STEP_KINDS.len());
    }

    fn intervention() -> impl Strategy<Value = Intervention> {
        prop_oneof![
            Just(Intervention::Delete),
            (".*", any::<i32>()).prop_map(|(container, signal)| Intervention::Kill { container, signal }),
        ]
    }

    fn scenario() -> impl Strategy<Value = Scenario> {
        (".*", prop::collection::vec((any::<u64>().prop_map(MonoTime), intervention()), 0..4))
            .prop_map(|(text, interventions)| Scenario { text, interventions })
    }

    fn request() -> impl Strategy<Value = Request> {
        prop_oneof![
            scenario().prop_map(Request::Record),
            (scenario(), any::<u64>(), ".*", ".*").prop_map(|(scenario, at, container, command)| {
                Request::Exec { scenario, at: MonoTime(at), container, command }
            }),
            (scenario(), any::<u64>(), ".*").prop_map(|(scenario, at, container)| Request::Inside {
                scenario,
                at: MonoTime(at),
                container
            }),
        ]
    }

    proptest! {
        #[test]
        fn any_request_crosses_the_wire_unchanged(id in any::<u64>(), request in request()) {
            round_trip(&(id, request));
        }

        #[test]
        fn any_text_is_read_or_refused_without_a_panic(text in ".*") {
            let _ = decode::<(u64, Request)>(&text);
            let _ = decode::<(u64, Reply)>(&text);
        }

        #[test]
        fn a_garbled_message_is_read_or_refused_without_a_panic(
            id in any::<u64>(),
            request in request(),
            at in any::<prop::sample::Index>(),
            noise in ".{0,3}",
        ) {
            let mut message = encode(&(id, request));
            let mut cut = at.index(message.len() + 1);
            while !message.is_char_boundary(cut) {
                cut -= 1;
            }
            message.insert_str(cut, &noise);
            let _ = decode::<(u64, Request)>(&message);
        }
    }
}
