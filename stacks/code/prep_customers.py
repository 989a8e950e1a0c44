import dataiku

raw = dataiku.Dataset("RAW_CUSTOMERS").get_dataframe()
raw = raw.dropna(subset=["customer_id"]).drop_duplicates("customer_id")
dataiku.Dataset("PREPARED_CUSTOMERS").write_with_schema(raw)
