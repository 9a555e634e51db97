"""DAGs that exist only for the tests, served to the test stack as a second DAG bundle.

``dag.test()`` in Airflow 3 runs only DAGs that a bundle serves, so test DAGs live in
files here rather than inside test functions.
"""
