# The Airflow image of docker-compose.yaml: the official image plus this package's pinned
# dependencies. dags/, plugins/ and include/ are mounted, not copied.
FROM apache/airflow:3.3.2-python3.11
COPY requirements.txt /requirements.txt
RUN pip install --no-cache-dir "apache-airflow==3.3.2" -r /requirements.txt
ENV PYTHONPATH=/opt/airflow/plugins
