"""Scores every customer's churn risk from cleaned spend and regional aggregates."""
import dataiku

customers = dataiku.Dataset("CUSTOMERS_CLEAN").get_dataframe()
regions = dataiku.Dataset("SPEND_BY_REGION").get_dataframe()
scores = customers.merge(regions, on="country", how="left")
scores["churn_risk"] = (scores["amount"] < scores["amount_avg"]).astype(float)
dataiku.Dataset("CHURN_SCORES").write_with_schema(scores)
