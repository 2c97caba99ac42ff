"""The national carbon market (全国碳排放权交易市场) for steel, cement and aluminium smelting."""
