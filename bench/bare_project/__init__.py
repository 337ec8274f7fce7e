"""A bare Django project beside the product (issue 18): `django-admin startproject`'s
settings and middleware, sessions in the database, one view that does what
bench.views.bare_signed does. bench/cpu.py measures the two in-process, so that the cost of the
product's own stack is a ratio to what Django itself costs."""
