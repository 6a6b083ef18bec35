"""The admin API (`/admin/v1/...`): operators' keys, and what they see of customers' keys,
jobs, usage, webhooks and providers. Customers' secrets are never part of any answer."""
