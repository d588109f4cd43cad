"""The lab: local MariaDB instances emulating Amazon RDS and self-managed servers, plus moto."""
