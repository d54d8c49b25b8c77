"""Storage: connection, migrations, audit, repositories, backups, check, bulk load. All the product's SQL."""
