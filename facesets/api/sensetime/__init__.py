"""SenseTime v1 dialect (../shared/specs/004_245ec7fba286d95f.txt): persons, groups, face sets, detection,
verification, search, identification and asynchronous tasks, at the root paths /info/, /face/, /person/, /group/ and
/faceset/."""
