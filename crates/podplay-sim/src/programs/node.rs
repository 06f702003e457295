//! The node's own long-running processes (init, containerd, kubelet): they
//! only need to exist, so `ps` on the node (hostPID) shows them.

use podplay_core::time::MonoDuration;

use super::task;
use crate::kernel::{Sys, Task};

pub fn main(sys: Sys, _argv: Vec<String>) -> Task {
    task(async move {
        loop {
            sys.sleep(MonoDuration::from_secs(86_400)).await;
        }
    })
}
