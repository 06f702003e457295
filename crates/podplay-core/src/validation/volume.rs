//! Volume rules (`ValidateVolumes`).

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::Volume;

use super::container::validate_local_descending_path;
use super::names::dns1123_label;
use super::{BadValue, Errors, FieldError};
use crate::defaults::volume_sources;
use crate::path::FieldPath;

/// Validates `spec.volumes` and returns the names defined.
pub fn validate_volumes(volumes: &[Volume], path: &FieldPath, errs: &mut Errors) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for (i, volume) in volumes.iter().enumerate() {
        let vp = path.index(i);
        if volume.name.is_empty() {
            errs.push(FieldError::required(vp.child("name"), ""));
        } else {
            for detail in dns1123_label(&volume.name) {
                errs.push(FieldError::invalid(vp.child("name"), BadValue::Str(volume.name.clone()), &detail));
            }
        }
        if !volume.name.is_empty() && !names.insert(volume.name.clone()) {
            errs.push(FieldError::duplicate(vp.child("name"), BadValue::Str(volume.name.clone())));
        }
        validate_source(volume, &vp, errs);
    }
    names
}

fn validate_source(volume: &Volume, vp: &FieldPath, errs: &mut Errors) {
    let sources = volume_sources(volume);
    if sources.is_empty() {
        errs.push(FieldError::required(vp.clone(), "must specify a volume type"));
    }
    for extra in sources.iter().skip(1) {
        errs.push(FieldError::forbidden(vp.child(extra), "may not specify more than 1 volume type"));
    }
    if let Some(host_path) = &volume.host_path {
        let hp = vp.child("hostPath");
        if host_path.path.is_empty() {
            errs.push(FieldError::required(hp.child("path"), ""));
        } else if host_path.path.split('/').any(|p| p == "..") {
            errs.push(FieldError::invalid(
                hp.child("path"),
                BadValue::Str(host_path.path.clone()),
                "must not contain '..'",
            ));
        }
        const TYPES: [&str; 8] =
            ["", "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File", "FileOrCreate", "Socket"];
        if let Some(t) = host_path.type_.as_deref() {
            if !TYPES.contains(&t) {
                errs.push(FieldError::not_supported(hp.child("type"), t, &TYPES));
            }
        }
    }
    if let Some(empty_dir) = &volume.empty_dir {
        if let Some(medium) = empty_dir.medium.as_deref() {
            if !["", "Memory", "HugePages"].contains(&medium) && !medium.starts_with("HugePages-") {
                errs.push(FieldError::not_supported(
                    vp.child("emptyDir").child("medium"),
                    medium,
                    &["", "Memory", "HugePages"],
                ));
            }
        }
    }
    if let Some(cm) = &volume.config_map {
        if cm.name.is_empty() {
            errs.push(FieldError::required(vp.child("configMap").child("name"), ""));
        }
        for (j, item) in cm.items.iter().flatten().enumerate() {
            validate_local_descending_path(
                &item.path,
                &vp.child("configMap").child("items").index(j).child("path"),
                errs,
            );
        }
    }
    if let Some(secret) = &volume.secret {
        if secret.secret_name.as_deref().unwrap_or("").is_empty() {
            errs.push(FieldError::required(vp.child("secret").child("secretName"), ""));
        }
    }
    if let Some(pvc) = &volume.persistent_volume_claim {
        if pvc.claim_name.is_empty() {
            errs.push(FieldError::required(vp.child("persistentVolumeClaim").child("claimName"), ""));
        }
    }
}
