pytest_plugins = ["ra_runtime.testing"]
