//! `ImageStatus` from the image store.

use podplay_core::cri::{CriReply, ImageInfo};

use super::LinuxNode;

impl LinuxNode {
    pub(super) fn image_status(&self, image: &str) -> CriReply {
        match self.images.resolve(image) {
            Ok(found) => CriReply::ImageStatus {
                image: found.map(|i| ImageInfo {
                    reference: i.record.reference.clone(),
                    id: i.record.id.clone(),
                    size_bytes: i.record.size_bytes,
                    user: i.config.user.clone().filter(|u| !u.is_empty()),
                }),
            },
            Err(e) => CriReply::Error { message: e.to_string() },
        }
    }
}
