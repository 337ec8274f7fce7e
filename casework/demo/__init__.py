"""The demo data `seed_demo` writes, by subject. It records assessments through
casework.services, so it lives in casework, above the apps it fills."""
