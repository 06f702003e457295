//! `ImageStatus` from the image store, and `PullImage` from a registry.

use podplay_core::cri::{CallId, CriReply, ImageInfo};
use podplay_core::time::MonoDuration;

use super::LinuxNode;
use crate::image::ImageStore;

impl LinuxNode {
    /// Pulls on a thread of its own: the runner keeps serving kubectl and
    /// Ctrl-C meanwhile. The reply carries the image as `ImageStatus` would
    /// show it, and how long the pull took.
    pub(super) fn pull_image(&mut self, call: CallId, image: String) {
        let store = self.images.clone();
        let mut options = self.pull.clone();
        options.cancel = Some(self.pull_cancel.clone());
        self.dialer.background(call, move || match store.pull(&image, &options, &mut |_| {}) {
            Ok(pulled) => match info(&store, &pulled.record.reference) {
                Some(image) => {
                    let took = MonoDuration(u64::try_from(pulled.took.as_millis()).unwrap_or(u64::MAX));
                    CriReply::Pulled { image, took }
                }
                None => CriReply::Error {
                    message: format!("the pulled image {} is not in the store", pulled.record.reference),
                },
            },
            // The CRI's gRPC status, as the kubelet quotes it.
            Err(e) => {
                let code = if e.not_found { "NotFound" } else { "Unknown" };
                CriReply::Error { message: format!("rpc error: code = {code} desc = {}", e.message) }
            }
        });
    }

    pub(super) fn image_status(&self, image: &str) -> CriReply {
        match self.images.resolve(image) {
            Ok(found) => CriReply::ImageStatus { image: found.map(|i| image_info(&i)) },
            Err(e) => CriReply::Error { message: e.to_string() },
        }
    }
}

fn info(store: &ImageStore, reference: &str) -> Option<ImageInfo> {
    store.resolve(reference).ok().flatten().map(|i| image_info(&i))
}

fn image_info(i: &crate::image::Image) -> ImageInfo {
    ImageInfo {
        reference: i.record.reference.clone(),
        id: i.record.id.clone(),
        size_bytes: i.record.size_bytes,
        user: i.config.user.clone().filter(|u| !u.is_empty()),
    }
}
