//! The seam between the kubelet's driver and a container runtime, as CRI is
//! between the kubelet and containerd.
//!
//! A runtime follows the same sans-IO contract as the kubelet (after
//! quinn-proto): it never reads a clock. Time comes in with every input
//! ([`Runtime::submit`], [`Runtime::handle_timeout`]) and the runtime says
//! when it next needs to be woken ([`Runtime::poll_timeout`]). Its outputs
//! are queued and polled: replies to calls, container exits (what PLEG would
//! see) and [`Note`]s of what it did, from which the story is written.
//!
//! podplay-sim's virtual Linux implements it on a virtual clock; a runtime
//! on real Linux implements it with real processes, and its driver passes
//! the real monotonic time. The kubelet and the driver never learn which one
//! they talk to.

use crate::cri::{CallId, ContainerExit, CriCall, CriReply};
use crate::time::MonoTime;
use crate::trace::Note;

/// A container runtime behind the kubelet. Inputs must come in
/// non-decreasing time order.
pub trait Runtime {
    /// Starts a call at `now`. Its reply comes out of [`Runtime::poll_reply`],
    /// at once or later; every call gets exactly one reply.
    fn submit(&mut self, now: MonoTime, id: CallId, call: CriCall);

    /// Time has reached `now`: carries out what is due (processes run, calls
    /// finish, timeouts expire). Returns true when anything happened, so the
    /// driver knows to go another round at this instant; extra calls are
    /// harmless and return false once nothing is left to do.
    fn handle_timeout(&mut self, now: MonoTime) -> bool;

    /// The next instant at which [`Runtime::handle_timeout`] has work.
    #[must_use]
    fn poll_timeout(&self) -> Option<MonoTime>;

    /// The next finished call.
    #[must_use]
    fn poll_reply(&mut self) -> Option<(CallId, CriReply)>;

    /// The next container exit.
    #[must_use]
    fn poll_exit(&mut self) -> Option<ContainerExit>;

    /// The next note of what the runtime did, oldest first.
    #[must_use]
    fn poll_note(&mut self) -> Option<Note>;
}
