/etc/dynward/dynward.toml
/etc/dynward/state/
