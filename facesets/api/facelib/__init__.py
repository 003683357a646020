"""FaceLib's own API: what no vendor's API has a place for (the audit log, the identity review, the threshold
calibration, suggested persons), for scripts. It authenticates and answers errors as the Huawei dialect does."""
