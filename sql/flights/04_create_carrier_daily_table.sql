-- analytics.carrier_daily: daily on-time performance per carrier and origin airport.
CREATE EXTERNAL TABLE IF NOT EXISTS ${analytics_database}.carrier_daily (
  flight_date date,
  carrier string,
  carrier_name string,
  origin string,
  flights bigint,
  cancelled_flights bigint,
  diverted_flights bigint,
  completed_flights bigint,
  on_time_flights bigint,
  mean_dep_delay double,
  mean_arr_delay double,
  on_time_rate double
)
PARTITIONED BY (year string, month string)
STORED AS PARQUET
LOCATION 's3://${lake_bucket}/analytics/carrier_daily/'
