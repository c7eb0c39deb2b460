"""Operations: structured logs with a request id per HTTP request, and Prometheus metrics."""
