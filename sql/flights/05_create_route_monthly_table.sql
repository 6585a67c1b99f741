-- analytics.route_monthly: flights, cancellations and delay statistics per route and month.
CREATE EXTERNAL TABLE IF NOT EXISTS ${analytics_database}.route_monthly (
  origin string,
  dest string,
  flights bigint,
  cancelled_flights bigint,
  diverted_flights bigint,
  completed_flights bigint,
  on_time_flights bigint,
  mean_distance double,
  mean_dep_delay double,
  p50_dep_delay double,
  p90_dep_delay double,
  mean_arr_delay double,
  p50_arr_delay double,
  p90_arr_delay double,
  cancellation_rate double
)
PARTITIONED BY (year string, month string)
STORED AS PARQUET
LOCATION 's3://${lake_bucket}/analytics/route_monthly/'
